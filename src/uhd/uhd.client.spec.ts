import { Logger } from '@nestjs/common';
import type { AppConfig, UhdSettings } from '../config/app-config.js';
import { UpstreamHttpClient } from '../infrastructure/http/upstream-http-client.js';
import type { UhdMetrics } from '../platform/metrics/uhd.metrics.js';
import { UhdSimulator, type UhdSimulatorOptions } from '../tools/uhd-simulator/uhd-simulator.js';
import { UhdClient } from './uhd.client.js';
import { UhdCircuitBreaker } from './uhd-circuit-breaker.js';
import { UhdCircuitOpenError, UhdHttpError, UhdNetworkError, UhdTimeoutError } from './uhd-errors.js';
import { UhdTokenProvider } from './uhd-token.provider.js';

const ICN = '1012845331V153043';

/** The real client (undici, token provider, breaker) against the simulator on a loopback port. */
describe(UhdClient.name, () => {
  let simulator: UhdSimulator;
  let http: UpstreamHttpClient;
  let metrics: { circuitChanged: jest.Mock; tokenRequested: jest.Mock };

  beforeAll(() => Logger.overrideLogger(false));

  async function build(uhd: Partial<UhdSettings> = {}, sim: UhdSimulatorOptions = {}) {
    simulator = await new UhdSimulator({
      missLatencyMs: 1,
      missJitterMs: 0,
      hitLatencyMs: 0,
      hitJitterMs: 0,
      apiKey: 'key',
      ...sim,
    }).start();
    const config = {
      uhd: {
        host: simulator.url,
        securityHost: simulator.url,
        appId: 'app',
        appToken: 'app-token',
        subject: 'subject',
        userType: 'type',
        apiKey: 'key',
        timeoutMs: 2_000,
        tokenTtlSeconds: 900,
        maxConnections: 16,
        cacheTtlSeconds: 1_200,
        simulatorPort: 0,
        breaker: { failureRate: 0.5, minRequests: 4, windowMs: 10_000, halfOpenAfterMs: 300 },
        ...uhd,
      },
    } as unknown as AppConfig;
    http = new UpstreamHttpClient({ connections: 16, connectTimeoutMs: 1_000 });
    metrics = { circuitChanged: jest.fn(), tokenRequested: jest.fn() };
    const tokens = new UhdTokenProvider(http, config, metrics as unknown as UhdMetrics);
    const breaker = new UhdCircuitBreaker(config, metrics as unknown as UhdMetrics);
    return new UhdClient(http, tokens, breaker, config);
  }

  afterEach(async () => {
    await http?.close();
    await simulator?.close();
  });

  describe('records', () => {
    it('returns the upstream records, reusing one token for every request', async () => {
      const sut = await build();
      for (let i = 0; i < 10; i++) {
        const body = await sut.records('labs', ICN, { endDate: '2026-01-01' });
        expect(body.vista?.entry?.length).toBeGreaterThan(0);
      }
      expect(simulator.snapshot().tokensIssued).toBe(1);
    });

    it('shares one login between concurrent first requests', async () => {
      const sut = await build();
      await Promise.all(Array.from({ length: 12 }, () => sut.warm('vitals', ICN)));
      expect(simulator.snapshot().requests.token).toBe(1);
    });

    it('logs in again once after a 401 and succeeds', async () => {
      const sut = await build();
      await sut.warm('labs', ICN);
      simulator.revokeTokens();

      await sut.warm('labs', ICN);

      expect(simulator.snapshot().tokensIssued).toBe(2);
      expect(simulator.requests().map((r) => r.status)).toEqual([200, 200, 401, 200, 200]);
    });

    it('logs in again when the token is about to expire', async () => {
      const sut = await build({}, { tokenTtlSeconds: 1 });
      await sut.warm('labs', ICN);
      await new Promise((r) => setTimeout(r, 950));
      await sut.warm('labs', ICN);
      expect(simulator.snapshot().tokensIssued).toBe(2);
      expect(simulator.requests().filter((r) => r.status === 401)).toEqual([]);
    });

    it('gives up on a request the upstream holds past UHD_TIMEOUT_MS', async () => {
      const sut = await build({ timeoutMs: 200 });
      simulator.setFaults({ hangResources: ['notes'], hangMs: 5_000 });
      await expect(sut.warm('notes', ICN)).rejects.toBeInstanceOf(UhdTimeoutError);
    });

    it('reports an upstream error status without its body', async () => {
      const sut = await build();
      simulator.setFaults({ failResources: ['labs'], errorStatus: 502 });
      const error = await sut.records('labs', ICN).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UhdHttpError);
      expect((error as UhdHttpError).message).toBe('UHD labs answered HTTP 502');
    });
  });

  describe('circuit breaker', () => {
    it('opens when most calls fail, then refuses calls without reaching the upstream', async () => {
      const sut = await build();
      simulator.setFaults({ down: true });
      for (let i = 0; i < 4; i++) await expect(sut.warm('labs', ICN)).rejects.toBeInstanceOf(UhdNetworkError);
      expect(sut.circuitOpen).toBe(true);
      const reached = simulator.snapshot().requests.total;

      await expect(sut.warm('labs', ICN)).rejects.toBeInstanceOf(UhdCircuitOpenError);

      expect(simulator.snapshot().requests.total).toBe(reached);
      expect(metrics.circuitChanged).toHaveBeenCalledWith('open');
    });

    it('closes again when the probe after the cool-down succeeds', async () => {
      const sut = await build();
      simulator.setFaults({ down: true });
      for (let i = 0; i < 4; i++) await sut.warm('labs', ICN).catch(() => undefined);
      simulator.setFaults({});
      await new Promise((r) => setTimeout(r, 350));

      expect(sut.circuitOpen).toBe(false);
      await sut.warm('labs', ICN);

      expect(metrics.circuitChanged).toHaveBeenLastCalledWith('closed');
    });

    it('does not count client errors (4xx) against the upstream', async () => {
      const sut = await build();
      simulator.setFaults({ failResources: ['labs'], errorStatus: 404 });
      for (let i = 0; i < 8; i++) await sut.warm('labs', ICN).catch(() => undefined);
      expect(sut.circuitOpen).toBe(false);
    });
  });
});
