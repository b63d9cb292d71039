/** Why a sign-in did not lead to a warm-up, or a job ended without one. Each is counted. */
export type SkipReason =
  | 'mobile_client'
  | 'non_web_client'
  | 'not_va_patient'
  | 'flag_off'
  | 'flag_unavailable'
  | 'user_not_found'
  | 'circuit_open';

/** A job's one final outcome. `skipped` jobs also count their reason. */
export type JobOutcome = 'completed' | 'partial' | 'failed' | 'skipped';

/** How one upstream resource request ended. */
export type ResourceOutcome =
  | 'ok'
  | 'client_error'
  | 'unauthorized'
  | 'server_error'
  | 'timeout'
  | 'network_error'
  | 'circuit_open'
  | 'cancelled';
