import { randomBytes } from 'node:crypto';
import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import type { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { RawRulesClient } from '../../bench/lib/raw-grpc.js';
import { MetricNames } from '../../src/platform/metrics/metric-names.js';
import {
  CUSTOMER_CONFIGURATION_PACKAGE,
  CUSTOMER_CONFIGURATION_SERVICE,
  customerConfigurationDefinition,
} from '../../src/rules/rules.proto.js';
import { pendingEntries } from '../../test/support/sync-events.js';
import type { ProfileName, Scenario, ScenarioContext } from '../lib/scenario.js';
import { type Instance, Stack, sleep } from '../lib/stack.js';

interface Plan {
  /** Sync events a second, each renaming a channel of its own. */
  rate: number;
  seconds: number;
  /** When, into the flow, the instance is frozen and then killed. */
  killAfterMs: number;
}

const PLANS: Record<ProfileName, Plan> = {
  short: { rate: 25, seconds: 6, killAfterMs: 2_000 },
  full: { rate: 40, seconds: 30, killAfterMs: 10_000 },
};

/** The consumer group of DESIGN.md (the stack does not rename it). */
const CONSUMER_GROUP = 'rules-cache-invalidator';
/** How long the instance stays frozen before the kill, so entries are delivered to it and held. */
const FREEZE_MS = 800;
/** Events added together, in one MULTI. */
const BATCH = 5;

interface SentEvent {
  entryId: string;
  channel: string;
  name: string;
}

/**
 * One api instance is SIGKILLed while the replicator's sync events flow, each renaming a channel
 * of its own in the database. To be sure it dies holding entries it was delivered and never
 * acknowledged, it is first frozen (SIGSTOP) while its blocking read is being answered, then
 * killed. The other instance must claim those entries once they are idle (REPLICATOR_CLAIM_IDLE_MS)
 * and apply them: afterwards it must serve every channel's new name, though it had each one
 * cached under the old name before the flow began. A lost event leaves an old name served.
 */
export const instanceKill: Scenario = {
  id: 'instance-kill',
  title: 'Instance SIGKILLed while sync events flow',
  async run(context: ScenarioContext) {
    const { findings, log } = context;
    const plan = PLANS[context.profile.name];
    const total = plan.rate * plan.seconds;
    const channels = lightChannels(total);
    const stack = await Stack.start({
      label: 'instance-kill',
      channels: Number(channels.at(-1)!.slice(3)),
      logDir: context.logDir,
    });
    const stream = stack.env.REPLICATOR_STREAM;
    const redis = stack.redisClient();
    const db = await createConnection({ uri: stack.database.url });
    const [victim, survivor] = stack.apis;
    const survivorClient = new RawRulesClient(survivor.grpcAddress);
    const victimClient = new RawRulesClient(victim.grpcAddress);
    try {
      // Both instances cache every channel under its old name.
      const loadsBefore = async () => stack.metric(MetricNames.rulesDbLoadsTotal, {}, [survivor]);
      for (const client of [survivorClient, victimClient]) await readNames(client, channels);
      const loadsAfterWarm = await loadsBefore();
      const warm = await readNames(survivorClient, channels);
      const cachedOnSurvivor = (await loadsBefore()) === loadsAfterWarm;
      const readable = channels.filter((c) => warm.get(c) !== undefined);

      const run = randomBytes(3).toString('hex');
      const sent: SentEvent[] = [];
      const count = Math.min(readable.length, total);
      const interval = (1000 * BATCH) / plan.rate;
      const origin = Date.now();
      // Each tick renames BATCH channels, then adds their events in one MULTI, as a replicator
      // syncing several rows at once would: a consumer's read is then handed all of them together.
      const flow = (async () => {
        for (let first = 0, tick = 0; first < count; first += BATCH, tick++) {
          const wait = origin + tick * interval - Date.now();
          if (wait > 0) await sleep(wait);
          const batch = readable.slice(first, Math.min(first + BATCH, count)).map((channel, k) => ({
            channel,
            name: `renamed ${run} ${first + k}`,
          }));
          for (const { channel, name } of batch)
            await db.query('UPDATE enrollment_channel SET name = ?, updated_at = NOW(3) WHERE id = ?', [
              name,
              channel,
            ]);
          const multi = redis.multi();
          for (const { channel } of batch) {
            const event = {
              table: 'enrollment_channel',
              enrollmentChannelIds: [channel],
              syncedAt: new Date().toISOString(),
            };
            multi.xadd(stream, '*', 'event', JSON.stringify(event));
          }
          const replies = (await multi.exec()) ?? [];
          batch.forEach((e, k) => {
            const [error, entryId] = replies[k] ?? [new Error('no reply')];
            if (error) throw error;
            sent.push({ ...e, entryId: entryId as string });
          });
        }
      })();
      // Awaited below; until then a failure must not count as an unhandled rejection.
      flow.catch(() => undefined);

      await sleep(plan.killAfterMs);
      // A consumer shows in the group once it has been delivered an entry (Redis 7.0).
      let victimConsumer: string | undefined;
      let held: PendingEntry[] = [];
      let freezes = 0;
      while (held.length === 0 && freezes < 5) {
        freezes += 1;
        victim.child!.kill('SIGSTOP');
        await sleep(FREEZE_MS);
        victimConsumer = await consumerOf(redis, stream, victim);
        held = victimConsumer ? await pendingOf(redis, stream, victimConsumer) : [];
        if (held.length === 0) {
          victim.child!.kill('SIGCONT');
          await sleep(300);
        }
      }
      if (!victimConsumer) throw new Error(`${victim.name} never read from the stream`);
      await victim.stop('SIGKILL');
      const killedAt = Date.now();
      held = await pendingOf(redis, stream, victimConsumer);
      log(
        `api-1 SIGKILLed holding ${held.length} pending entries (frozen ${freezes} time(s) to catch it holding some)`,
      );

      // The held entries leave the dead consumer (claimed), then the group's pending list (applied and acknowledged).
      const heldIds = new Set(held.map((e) => e.id));
      let claimedAfter: number | undefined;
      let drainedAfter: number | undefined;
      const drainDeadline = killedAt + 30_000;
      while (drainedAfter === undefined && Date.now() < drainDeadline) {
        if (claimedAfter === undefined && (await pendingOf(redis, stream, victimConsumer)).length === 0)
          claimedAfter = Date.now() - killedAt;
        const pendingNow = await pendingOf(redis, stream);
        if (claimedAfter !== undefined && !pendingNow.some((e) => heldIds.has(e.id)))
          drainedAfter = Date.now() - killedAt;
        else await sleep(100);
      }
      await flow;
      const flowEndedAt = Date.now();
      let pendingAtEnd = await pendingEntries(redis, stream, CONSUMER_GROUP);
      while (pendingAtEnd > 0 && Date.now() < flowEndedAt + 20_000) {
        await sleep(200);
        pendingAtEnd = await pendingEntries(redis, stream, CONSUMER_GROUP);
      }
      const allDrainedAfter = Date.now() - flowEndedAt;
      const deadLetters = await redis.xlen(stack.env.REPLICATOR_DEAD_LETTER_STREAM);

      const served = await readNames(
        survivorClient,
        sent.map((e) => e.channel),
      );
      const applied = sent.filter((e) => served.get(e.channel) === e.name);
      const heldEvents = sent.filter((e) => heldIds.has(e.entryId));
      const heldApplied = heldEvents.filter((e) => served.get(e.channel) === e.name);
      const survivorCount = (outcome: string) =>
        stack.metric(MetricNames.replicatorEventsTotal, { source: 'stream', outcome }, [survivor]);
      const [survivorApplied, survivorFailed, survivorDead] = await Promise.all([
        survivorCount('applied'),
        survivorCount('failed'),
        survivorCount('dead_lettered'),
      ]);

      findings.check(
        'the survivor had every channel cached under its old name before the flow (so a lost event would show)',
        cachedOnSurvivor && readable.length >= Math.min(total, channels.length) * 0.9,
        `${readable.length} channels read, a second read ${cachedOnSurvivor ? 'made no database load' : 'went to the database'}`,
      );
      findings.check(
        'the killed instance died holding pending entries',
        held.length > 0,
        `${held.length} entries pending on its consumer at the SIGKILL`,
      );
      findings.check(
        'its pending entries are claimed by the other instance and applied',
        held.length > 0 &&
          claimedAfter !== undefined &&
          drainedAfter !== undefined &&
          heldEvents.length === held.length &&
          heldApplied.length === heldEvents.length,
        `${held.length} held; left the dead consumer after ${fmt(claimedAfter)}, acknowledged after ${fmt(drainedAfter)}; the survivor serves the new data of ${heldApplied.length} of ${heldEvents.length}`,
      );
      findings.check(
        'every event applied: the survivor serves every renamed channel’s new name; nothing pending or dead-lettered',
        sent.length > 0 && applied.length === sent.length && pendingAtEnd === 0 && deadLetters === 0,
        `${applied.length} of ${sent.length} channels renamed as the events said; pending ${pendingAtEnd}; dead letters ${deadLetters}; survivor ${MetricNames.replicatorEventsTotal} applied ${survivorApplied}, failed ${survivorFailed}, dead_lettered ${survivorDead}`,
      );

      findings.figure('events sent', `${sent.length} at ${plan.rate}/s`);
      findings.figure('events applied (new data served by the survivor)', String(applied.length));
      findings.figure(
        'entries held by the killed instance / claimed and applied by the survivor',
        `${held.length} / ${heldApplied.length}`,
      );
      findings.figure(
        'time to drain its pending entries (from the SIGKILL)',
        `claimed ${fmt(claimedAfter)}, acknowledged ${fmt(drainedAfter)} (REPLICATOR_CLAIM_IDLE_MS ${stack.env.REPLICATOR_CLAIM_IDLE_MS})`,
      );
      findings.figure('pending after the flow ended', `0 after ${(allDrainedAfter / 1000).toFixed(1)} s`);
    } finally {
      // A frozen process would never act on the SIGTERM that stopping the stack sends it.
      if (victim.running) victim.child!.kill('SIGCONT');
      survivorClient.close();
      victimClient.close();
      redis.disconnect();
      await db.end();
      await stack.stop();
    }
  },
};

const fmt = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);

/** The first `count` seeded channels that are not heavy (ec-0002 and every 50th have thousands of contracts). */
function lightChannels(count: number): string[] {
  const ids: string[] = [];
  for (let i = 1; ids.length < count; i++)
    if (i !== 2 && i % 50 !== 0) ids.push(`ec-${String(i).padStart(4, '0')}`);
  return ids;
}

type CoverageResponse = { enrollmentChannel?: { name?: string } };

/** Each channel's name as `client`'s instance serves it (undefined when it did not answer OK). */
async function readNames(
  client: RawRulesClient,
  channels: string[],
): Promise<Map<string, string | undefined>> {
  const service = customerConfigurationDefinition()[
    `${CUSTOMER_CONFIGURATION_PACKAGE}.${CUSTOMER_CONFIGURATION_SERVICE}`
  ] as ServiceDefinition;
  const method = service.GetCoverageRules as MethodDefinition<object, CoverageResponse>;
  const names = new Map<string, string | undefined>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < channels.length) {
        const channel = channels[next++];
        const { code, bytes } = await client.call('GetCoverageRules', channel, 5_000);
        names.set(
          channel,
          code === 0 && bytes ? method.responseDeserialize(bytes).enrollmentChannel?.name : undefined,
        );
      }
    }),
  );
  return names;
}

/** The stream consumer of an instance: its name carries the process id (see SyncEventStreamConsumer). */
async function consumerOf(redis: Redis, stream: string, instance: Instance): Promise<string | undefined> {
  const consumers = (await redis.xinfo('CONSUMERS', stream, CONSUMER_GROUP)) as string[][];
  for (const fields of consumers) {
    const name = fields[fields.indexOf('name') + 1];
    if (name?.includes(`-${instance.child?.pid}-`)) return name;
  }
  return undefined;
}

interface PendingEntry {
  id: string;
  consumer: string;
  deliveries: number;
}

async function pendingOf(redis: Redis, stream: string, consumer?: string): Promise<PendingEntry[]> {
  const args: Array<string | number> = [stream, CONSUMER_GROUP, '-', '+', 10_000];
  if (consumer) args.push(consumer);
  const rows = (await redis.call('XPENDING', ...args)) as Array<[string, string, number, number]>;
  return rows.map(([id, owner, , deliveries]) => ({ id, consumer: owner, deliveries: Number(deliveries) }));
}
