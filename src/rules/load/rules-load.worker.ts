import { AsyncLocalStorage } from 'node:async_hooks';
import { BroadcastChannel, threadId, workerData } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { Database, type QueryEvent } from '../../infrastructure/database/database.js';
import { customerConfigurationDefinition, encodeRulesResponse, type RulesMethod } from '../rules.proto.js';
import { RulesRepository } from '../rules.repository.js';
import type { RulesKind } from '../rules.types.js';
import { CancelFlag } from './cancel-flag.js';
import { describeLoadFailure } from './load-failure.js';
import type {
  LifecycleMessage,
  RulesLoadReply,
  RulesLoadTask,
  RulesLoadWorkerData,
} from './rules-load.protocol.js';

/**
 * A worker thread of the rules load pool: reads one channel's rules through its own database
 * connections and encodes the response here, so the main event loop never parses the rows,
 * maps them or encodes them.
 */
const settings = workerData as RulesLoadWorkerData;
const METHOD: Record<RulesKind, RulesMethod> = {
  coverage_rules: 'GetCoverageRules',
  population_membership_rules: 'GetPopulationMembershipRules',
};

/** The statements of the task running in the current async context (a thread runs several at once). */
const taskQueries = new AsyncLocalStorage<QueryEvent[]>();
const lifecycle = new BroadcastChannel(settings.lifecycleChannel);
lifecycle.unref();
let database: Database | undefined;
let repository: RulesRepository | undefined;

lifecycle.onmessage = (event) => {
  if ((event.data as LifecycleMessage).type === 'close') void closeDatabase();
};
// Loaded once per thread rather than on its first load.
customerConfigurationDefinition();

export default async function loadRules(task: RulesLoadTask) {
  const queries: QueryEvent[] = [];
  const reply = await taskQueries.run(queries, () => read(task, queries));
  if (reply.outcome !== 'ok') return reply;
  return move({ [transferableSymbol]: [reply.response], [valueSymbol]: reply });
}

async function read(task: RulesLoadTask, queries: QueryEvent[]): Promise<RulesLoadReply> {
  try {
    const cancel = new CancelFlag(task.cancelFlag);
    const rules =
      task.kind === 'coverage_rules'
        ? await rulesRepository().loadCoverageRules(task.channelId, cancel)
        : await rulesRepository().loadPopulationMembershipRules(task.channelId, cancel);
    if (!rules) return { outcome: 'not_found', queries };
    return { outcome: 'ok', response: ownBuffer(encodeRulesResponse(METHOD[task.kind], rules)), queries };
  } catch (error) {
    return { outcome: 'failed', failure: describeLoadFailure(error), queries };
  }
}

function rulesRepository(): RulesRepository {
  if (!repository) {
    database = Database.open(settings.database, (event) => taskQueries.getStore()?.push(event));
    repository = new RulesRepository(database);
    post({ type: 'opened', threadId });
  }
  return repository;
}

/**
 * The bytes in an ArrayBuffer of their own, which can be transferred. A large response already
 * owns its buffer; a small one may sit in Node's shared allocation pool, which must not be
 * transferred (that would detach other buffers), so it is copied.
 */
function ownBuffer(bytes: Buffer): ArrayBuffer {
  const buffer = bytes.buffer as ArrayBuffer;
  if (bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) return buffer;
  return buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

async function closeDatabase() {
  const closing = database;
  database = undefined;
  repository = undefined;
  try {
    await closing?.close();
    post({ type: 'closed', threadId });
  } catch (error) {
    post({ type: 'closed', threadId, error: String(error) });
  }
}

function post(message: LifecycleMessage) {
  lifecycle.postMessage(message);
}
