/**
 * The SQL replica's tables (DESIGN.md), as the Salesforce replicator writes them. Dates are
 * read as strings on both dialects (mysql2 `dateStrings`), booleans as 0/1.
 */
export interface EnrollmentChannelTable {
  id: string;
  name: string;
  is_active: number | boolean;
  updated_at: string;
}

export interface BenefitContractTable {
  id: string;
  enrollment_channel_id: string;
  contract_number: string;
  group_number: string | null;
  plan_type: string | null;
  effective_date: string;
  termination_date: string | null;
  updated_at: string;
}

export interface AlphaPrefixConfigTable {
  id: string;
  benefit_contract_id: string;
  alpha_prefix: string;
}

export interface ProvisioningTable {
  id: string;
  enrollment_channel_id: string;
  population_id: string | null;
  service_code: string;
  is_enabled: number | boolean;
  effective_date: string;
  termination_date: string | null;
}

export interface PopulationTable {
  id: string;
  enrollment_channel_id: string;
  name: string;
  priority: number;
}

export interface PopulationMembershipRuleTable {
  id: string;
  population_id: string;
  attribute: string;
  operator: string;
  value: string;
}

export interface ReplicaSchema {
  enrollment_channel: EnrollmentChannelTable;
  sc_benefit_contract: BenefitContractTable;
  sc_alpha_prefix_config: AlphaPrefixConfigTable;
  sc_provisioning: ProvisioningTable;
  population: PopulationTable;
  population_membership_rule: PopulationMembershipRuleTable;
}

export const REPLICA_TABLES = [
  'enrollment_channel',
  'sc_benefit_contract',
  'sc_alpha_prefix_config',
  'sc_provisioning',
  'population',
  'population_membership_rule',
] as const satisfies ReadonlyArray<keyof ReplicaSchema>;

export type ReplicaTable = (typeof REPLICA_TABLES)[number];
