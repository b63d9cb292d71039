import {
  Client,
  credentials,
  loadPackageDefinition,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Database } from '../../src/infrastructure/database/database.js';
import { SEEDED_CHANNELS, SEEDED_SIZES } from '../../src/infrastructure/database/seed/replica-generator.js';
import { seedReplica } from '../../src/infrastructure/database/seed/seed-replica.js';
import { MetricNames } from '../../src/platform/metrics/metric-names.js';
import {
  CUSTOMER_CONFIGURATION_PACKAGE,
  CUSTOMER_CONFIGURATION_SERVICE,
} from '../../src/rules/rules.proto.js';
import { eventually } from '../support/eventually.js';
import { type RulesClient, rulesClient } from '../support/grpc-client.js';
import { grpcHealthStatus } from '../support/grpc-health-client.js';
import { createTestDatabase } from '../support/mariadb.js';
import { freePort } from '../support/ports.js';
import { metricValue } from '../support/precache.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type ReflectionClient = {
  ServerReflectionInfo(): NodeJS.ReadWriteStream & { write(message: object): boolean };
  close(): void;
};

/** The service booted for real on MariaDB (through a proxy the test can cut), spoken to as a client would. */
describe('rules service (end to end)', () => {
  let mariadb: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let sut: TestApp;
  let client: RulesClient;

  beforeAll(async () => {
    mariadb = await createTestDatabase('e2e_rules');
    const seeding = Database.open({
      url: mariadb.url,
      dialect: 'mysql',
      poolSize: 2,
      queryTimeoutMs: 30_000,
      seedWhenEmpty: false,
    });
    await seeding.migrate();
    await seedReplica(seeding.db, { seed: 3, channels: 5, includeHugeChannel: true });
    await seeding.close();

    proxy = await TcpProxy.start(await freePort(), { host: '127.0.0.1', port: 3306 });
    const proxiedUrl = mariadb.url.replace('127.0.0.1:3306', `127.0.0.1:${proxy.port}`);
    sut = await startTestApp({
      DATABASE_URL: proxiedUrl,
      DATABASE_QUERY_TIMEOUT_MS: '2000',
      HEALTH_CHECK_TIMEOUT_MS: '500',
    });
    client = rulesClient(sut.grpcAddress);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await sut?.close();
    await proxy?.close();
    await mariadb?.drop();
  });

  describe('CustomerConfigurationService', () => {
    it('answers OK with the coverage rules of a known channel', async () => {
      const result = await client.getCoverageRules(SEEDED_CHANNELS.large);
      expect(result.code).toBe(status.OK);
      expect(result.response?.enrollmentChannel).toMatchObject({ id: SEEDED_CHANNELS.large, isActive: true });
      expect(result.response?.benefitContracts).toHaveLength(SEEDED_SIZES.large);
    });

    it('answers OK with the population membership rules of a known channel', async () => {
      const result = await client.getPopulationMembershipRules(SEEDED_CHANNELS.small);
      expect(result.code).toBe(status.OK);
      expect(result.response?.populations?.length).toBeGreaterThan(0);
    });

    it.each([
      ['empty', ''],
      ['malformed', 'no spaces allowed'],
      ['too long', 'x'.repeat(65)],
    ])('answers INVALID_ARGUMENT naming the field for an %s id', async (_label, id) => {
      const result = await client.getCoverageRules(id);
      expect(result.code).toBe(status.INVALID_ARGUMENT);
      expect(result.details).toMatch(/^enrollment_channel_id: /);
    });

    it.each([
      [
        'field 1 sent as a varint',
        [0x08, 0x07, ...Buffer.from('ec-0001')],
        /enrollment_channel_id \(1\) has wire type 0/,
      ],
      ['an id of invalid UTF-8', [0x0a, 0x02, 0x65, 0xff], /enrollment_channel_id \(1\): not valid UTF-8/],
      ['bytes that are no message at all', [0xff, 0xff, 0xff], /not a valid GetCoverageRulesRequest/],
    ])(
      'answers INVALID_ARGUMENT, not INTERNAL, naming the problem, for %s',
      async (_label, bytes, problem) => {
        const raw = new Client(sut.grpcAddress, credentials.createInsecure());
        const error = await new Promise<ServiceError | null>((resolve) =>
          raw.makeUnaryRequest<Buffer, Buffer>(
            `/${CUSTOMER_CONFIGURATION_PACKAGE}.${CUSTOMER_CONFIGURATION_SERVICE}/GetCoverageRules`,
            (b) => b,
            (b) => b,
            Buffer.from(bytes),
            new Metadata(),
            { deadline: new Date(Date.now() + 5_000) },
            (e) => resolve(e),
          ),
        );
        raw.close();
        expect(error?.code).toBe(status.INVALID_ARGUMENT);
        expect(error?.details).toMatch(problem);
      },
    );

    it('answers NOT_FOUND for an unknown channel, on both methods', async () => {
      expect((await client.getCoverageRules('ec-9999')).code).toBe(status.NOT_FOUND);
      expect((await client.getPopulationMembershipRules('ec-9999')).code).toBe(status.NOT_FOUND);
    });

    it('honours a client deadline and stops reading for a caller who is gone', async () => {
      const statements = () => metricValue(sut.httpUrl, `${MetricNames.databaseQueryDurationSeconds}_count`);
      const before = await statements();
      const result = await client.getCoverageRules(SEEDED_CHANNELS.huge, 60);
      expect(result.code).toBe(status.DEADLINE_EXCEEDED);
      await new Promise((r) => setTimeout(r, 1_500)); // time enough for a full read, had it gone on
      // A full read of the 70,000-contract channel is 34 statements (15 pages of contracts, 14 of
      // prefixes, the channel, provisioning, and the transaction's own); the cancelled one stops
      // early. Counted by this instance, not the server's global Com_select, which any client moves.
      expect((await statements()) - before).toBeLessThan(15);
    });
  });

  it('answers the gRPC health protocol with SERVING, overall and for the service', async () => {
    expect(await grpcHealthStatus(sut.grpcAddress)).toBe('SERVING');
    expect(
      await grpcHealthStatus(
        sut.grpcAddress,
        `${CUSTOMER_CONFIGURATION_PACKAGE}.${CUSTOMER_CONFIGURATION_SERVICE}`,
      ),
    ).toBe('SERVING');
  });

  it('lists its services through server reflection, as grpcurl would ask', async () => {
    const definition = loadSync(
      require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'),
      {
        keepCase: true,
      },
    );
    const pkg = loadPackageDefinition(definition) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: new (a: string, c: unknown) => ReflectionClient } } };
    };
    const reflection = new pkg.grpc.reflection.v1.ServerReflection(
      sut.grpcAddress,
      credentials.createInsecure(),
    );
    const services = await new Promise<string[]>((resolve, reject) => {
      const stream = reflection.ServerReflectionInfo();
      stream.on('data', (reply: { list_services_response?: { service: Array<{ name: string }> } }) => {
        resolve((reply.list_services_response?.service ?? []).map((s) => s.name));
        stream.end();
      });
      stream.on('error', reject);
      stream.write({ list_services: '' });
    });
    reflection.close();
    expect(services).toContain(`${CUSTOMER_CONFIGURATION_PACKAGE}.${CUSTOMER_CONFIGURATION_SERVICE}`);
  });

  it('shows the gRPC server histogram, labelled by service, method and code, on /metrics', async () => {
    await client.getCoverageRules(SEEDED_CHANNELS.small);
    const body = await (await fetch(`${sut.httpUrl}/metrics`)).text();
    expect(body).toMatch(
      new RegExp(
        `^${MetricNames.grpcServerHandlingSeconds}_count\\{grpc_service="${CUSTOMER_CONFIGURATION_PACKAGE}.${CUSTOMER_CONFIGURATION_SERVICE}",grpc_method="GetCoverageRules",grpc_code="OK"\\} [1-9]`,
        'm',
      ),
    );
    expect(body).toMatch(/grpc_code="NOT_FOUND"/);
    expect(body).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('turns /health/ready unhealthy while the database is unreachable, UNAVAILABLE for uncached reads, and healthy again after', async () => {
    const ready = async () => (await fetch(`${sut.httpUrl}/health/ready`)).status;
    expect(await ready()).toBe(200);

    await proxy.cut();
    try {
      expect(await eventually(async () => (await ready()) === 503)).toBe(true);
      const body = (await (await fetch(`${sut.httpUrl}/health/ready`)).json()) as {
        error: Record<string, { status: string }>;
        info: Record<string, { status: string }>;
      };
      expect(body.error.database.status).toBe('down');
      expect(body.info.redis.status).toBe('up');
      // Nothing cached for this channel: the database is needed and cannot answer.
      expect((await client.getCoverageRules('ec-0003')).code).toBe(status.UNAVAILABLE);
      // Read before the cut: still answered from the cache.
      expect((await client.getCoverageRules(SEEDED_CHANNELS.small)).code).toBe(status.OK);
    } finally {
      await proxy.restore();
    }

    expect(await eventually(async () => (await ready()) === 200)).toBe(true);
    expect((await client.getCoverageRules('ec-0003')).code).toBe(status.OK);
  }, 30_000);
});
