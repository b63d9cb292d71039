import type { ReplicaTable } from '../infrastructure/database/schema.js';
import type { RulesKind } from '../rules/rules.types.js';

/**
 * Which cached kinds a change to each replica table can affect. A channel row feeds both:
 * an inactive or removed channel changes its coverage and its populations.
 */
export const KINDS_BY_TABLE: Record<ReplicaTable, readonly RulesKind[]> = {
  enrollment_channel: ['coverage_rules', 'population_membership_rules'],
  sc_benefit_contract: ['coverage_rules'],
  sc_alpha_prefix_config: ['coverage_rules'],
  sc_provisioning: ['coverage_rules'],
  population: ['population_membership_rules'],
  population_membership_rule: ['population_membership_rules'],
};
