import type { AppConfig } from '../../config/app-config.js';
import type { QueryEvent } from '../../infrastructure/database/database.js';
import type { RulesKind } from '../rules.types.js';
import type { LoadFailure } from './load-failure.js';

/** What each worker thread starts with (cloned once per thread): it never reads process.env. */
export interface RulesLoadWorkerData {
  /** The replica, with a pool sized to the loads one thread runs at once. */
  database: AppConfig['database'];
  /** The BroadcastChannel on which the pool and its threads agree on closing the databases. */
  lifecycleChannel: string;
}

export interface RulesLoadTask {
  kind: RulesKind;
  channelId: string;
  /** A CancelFlag's buffer: raised by the main thread when the caller goes. */
  cancelFlag: SharedArrayBuffer;
}

/**
 * A load's answer, always a value (a thrown error would lose its class on the way): the encoded
 * response (its ArrayBuffer transferred, not copied), no such channel, or why it failed. Each
 * carries the statements it ran, for the main thread's query metrics.
 */
export type RulesLoadReply = { queries: QueryEvent[] } & (
  | { outcome: 'ok'; response: ArrayBuffer }
  | { outcome: 'not_found' }
  | { outcome: 'failed'; failure: LoadFailure }
);

/** Messages on the lifecycle channel. */
export type LifecycleMessage =
  /** A thread opened its database: the pool waits for it to close it at shutdown. */
  | { type: 'opened'; threadId: number }
  /** The pool is shutting down: every thread closes its database. */
  | { type: 'close' }
  | { type: 'closed'; threadId: number; error?: string };
