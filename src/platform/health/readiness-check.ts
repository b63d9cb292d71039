/**
 * One dependency that readiness depends on. Modules that own a dependency provide a check
 * under the READINESS_CHECKS multi-token; the health controller runs them all, each bounded.
 */
export interface ReadinessCheck {
  readonly name: string;
  check(signal: AbortSignal): Promise<Record<string, unknown> | undefined>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
