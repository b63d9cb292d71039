import { parseArgs } from 'node:util';
import { credentials, loadPackageDefinition, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS } from '../../src/platform/grpc/proto-loader-options.js';
import { CUSTOMER_CONFIGURATION_PROTO } from '../../src/rules/rules.proto.js';

/**
 * A closed-loop gRPC load client, in its own process: `concurrency` callers each send the next
 * request as soon as the last one is answered, for `seconds`. Prints per-request latencies
 * (ms, in completion order, with their start offsets) and error counts as JSON.
 */
const { values } = parseArgs({
  options: {
    address: { type: 'string' },
    method: { type: 'string', default: 'GetCoverageRules' },
    channels: { type: 'string' },
    concurrency: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '0' },
    deadlineMs: { type: 'string', default: '5000' },
  },
});

type Unary = (
  req: unknown,
  md: Metadata,
  opts: { deadline: Date },
  cb: (e: ServiceError | null) => void,
) => void;

async function main() {
  const definition = loadSync(CUSTOMER_CONFIGURATION_PROTO, PROTO_LOADER_OPTIONS);
  const pkg = loadPackageDefinition(definition) as unknown as {
    customerconfiguration: {
      v1: {
        CustomerConfigurationService: new (...a: unknown[]) => Record<string, Unary> & { close(): void };
      };
    };
  };
  const client = new pkg.customerconfiguration.v1.CustomerConfigurationService(
    values.address,
    credentials.createInsecure(),
    {
      'grpc.max_receive_message_length': -1,
    },
  );
  const method = client[values.method!].bind(client);
  const channels = values.channels!.split(',');
  const concurrency = Number(values.concurrency);
  const deadlineMs = Number(values.deadlineMs);

  const call = (channel: string) =>
    new Promise<number | undefined>((resolve) => {
      method(
        { enrollmentChannelId: channel },
        new Metadata(),
        { deadline: new Date(Date.now() + deadlineMs) },
        (error) => resolve(error ? error.code : undefined),
      );
    });

  // Warm-up: connection setup and JIT, not measured.
  const warmupEnd = Date.now() + Number(values.warmup) * 1000;
  while (Date.now() < warmupEnd) await call(channels[0]);

  const latencies: number[] = [];
  const startsMs: number[] = [];
  const errors: Record<string, number> = {};
  const origin = process.hrtime.bigint();
  const end = Date.now() + Number(values.seconds) * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const channel = channels[next++ % channels.length];
        const started = process.hrtime.bigint();
        const code = await call(channel);
        const finished = process.hrtime.bigint();
        if (code === undefined) {
          latencies.push(Number(finished - started) / 1e6);
          startsMs.push(Number(started - origin) / 1e6);
        } else {
          errors[code] = (errors[code] ?? 0) + 1;
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - origin) / 1e9;
  process.stdout.write(JSON.stringify({ latencies, startsMs, errors, seconds }));
  client.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
