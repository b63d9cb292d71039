/**
 * The rules as the gRPC contract returns them (proto/customer_configuration/v1). Optional
 * fields are absent rather than null, so a value always serializes the same way.
 */
export interface EnrollmentChannel {
  id: string;
  name: string;
  isActive: boolean;
  updatedAt: string;
}

export interface BenefitContract {
  id: string;
  contractNumber: string;
  groupNumber?: string;
  planType?: string;
  effectiveDate: string;
  terminationDate?: string;
  updatedAt: string;
  alphaPrefixes: string[];
}

export interface Provisioning {
  id: string;
  populationId?: string;
  serviceCode: string;
  isEnabled: boolean;
  effectiveDate: string;
  terminationDate?: string;
}

export interface CoverageRules {
  enrollmentChannel: EnrollmentChannel;
  benefitContracts: BenefitContract[];
  provisioning: Provisioning[];
}

export interface MembershipRule {
  id: string;
  attribute: string;
  operator: string;
  values: string[];
}

export interface Population {
  id: string;
  name: string;
  priority: number;
  rules: MembershipRule[];
}

export interface PopulationMembershipRules {
  enrollmentChannel: EnrollmentChannel;
  populations: Population[];
}

/** The two kinds of rules the service serves are the rules cache's kinds (its key namespaces). */
export { RULES_KINDS, type RulesKind } from '../rules-cache/rules-cache-keys.js';
