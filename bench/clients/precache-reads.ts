import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { sampleSum } from '../lib/prometheus.js';

/**
 * The seed's KPI from a user's side, in its own process: `--users` veterans sign in on the web
 * (their resources get warmed) and as many on the mobile app (not warmed). Once the service
 * reports the web users' jobs completed, every user opens the same health page
 * (`--resource`). Prints the read latencies (ms) of both groups as JSON.
 */
const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    users: { type: 'string', default: '20' },
    resource: { type: 'string', default: 'labs' },
    concurrency: { type: 'string', default: '10' },
    waitSeconds: { type: 'string', default: '60' },
  },
});

const run = randomBytes(3).toString('hex');

async function main() {
  const url = new URL(values.url!);
  const pool = new Pool(url.origin, { connections: 64 });
  const users = Number(values.users);
  const completed = async () =>
    sampleSum(
      await (await pool.request({ path: '/metrics', method: 'GET' })).body.text(),
      'precache_jobs_total',
      { outcome: 'completed' },
    );
  const before = await completed();

  const signIn = async (i: number, clientId: string) => {
    const response = await pool.request({
      path: '/v0/sign-ins',
      method: 'POST',
      headers: { authorization: `Bearer ${values.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        userUuid: `reads-${run}-${clientId}-${i}`,
        icn: `${String(2_000_000_000 + i)}V${clientId === 'vaweb' ? '111111' : '222222'}`,
        email: `reads.${run}.${clientId}.${i}@example.com`,
        clientId,
        vaTreatmentFacilityIds: ['983'],
      }),
    });
    const body = (await response.body.json()) as { sessionId: string };
    return body.sessionId;
  };
  const warm = await Promise.all(Array.from({ length: users }, (_, i) => signIn(i, 'vaweb')));
  const cold = await Promise.all(Array.from({ length: users }, (_, i) => signIn(i, 'vamobile')));

  const deadline = Date.now() + Number(values.waitSeconds) * 1000;
  while ((await completed()) - before < users) {
    if (Date.now() > deadline) throw new Error('precache jobs did not complete in time');
    await new Promise((r) => setTimeout(r, 200));
  }

  const results = { warm: [] as number[], cold: [] as number[], errors: 0 };
  const reads = [...warm.map((s) => ['warm', s] as const), ...cold.map((s) => ['cold', s] as const)];
  // Interleave the groups so neither gets a quieter machine.
  reads.sort((a, b) => (a[1] < b[1] ? -1 : 1));
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(values.concurrency) }, async () => {
      while (next < reads.length) {
        const [group, session] = reads[next++];
        const started = performance.now();
        const response = await pool.request({
          path: `/v0/health-records/${values.resource}`,
          method: 'GET',
          headers: { authorization: `Bearer ${session}` },
        });
        await response.body.dump();
        if (response.statusCode === 200) results[group].push(performance.now() - started);
        else results.errors += 1;
      }
    }),
  );
  process.stdout.write(JSON.stringify(results));
  await pool.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
