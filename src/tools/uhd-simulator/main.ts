import { parseArgs } from 'node:util';
import { UhdSimulator } from './uhd-simulator.js';

/**
 * `npm run uhd:sim [-- --port 4010 --miss-latency-ms 2000 --hit-latency-ms 50 ...]`: the UHD
 * simulator as a process of its own, for development and benchmarks. Point the service at it
 * with UHD_HOST=http://127.0.0.1:4010. Faults and latency can be changed while it runs:
 *   curl -X PUT localhost:4010/_sim/faults -d '{"failResources":["labs"]}'
 *   curl localhost:4010/_sim/stats
 */
const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4010' },
    'miss-latency-ms': { type: 'string', default: '2000' },
    'miss-jitter-ms': { type: 'string', default: '400' },
    'hit-latency-ms': { type: 'string', default: '50' },
    'hit-jitter-ms': { type: 'string', default: '10' },
    'cache-ttl-seconds': { type: 'string', default: '1200' },
    'token-ttl-seconds': { type: 'string', default: '3600' },
    'api-key': { type: 'string' },
    'record-limit': { type: 'string', default: '10000' },
  },
});

function number(name: keyof typeof values): number {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} must be a non-negative number`);
    process.exit(64);
  }
  return value;
}

async function main() {
  const simulator = await new UhdSimulator({
    host: values.host,
    port: number('port'),
    missLatencyMs: number('miss-latency-ms'),
    missJitterMs: number('miss-jitter-ms'),
    hitLatencyMs: number('hit-latency-ms'),
    hitJitterMs: number('hit-jitter-ms'),
    cacheTtlMs: number('cache-ttl-seconds') * 1000,
    tokenTtlSeconds: number('token-ttl-seconds'),
    apiKey: values['api-key'],
    recordLimit: number('record-limit'),
    log: (line) => console.log(JSON.stringify({ time: new Date().toISOString(), ...line })),
  }).start();
  const stop = () => void simulator.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
