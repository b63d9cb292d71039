import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { UHD_CLIENT_APPLICATION, UHD_TOKEN_PATH } from '../../uhd/uhd-request.js';
import { isUhdResource, UHD_RESOURCES, type UhdResource } from '../../uhd/uhd-resources.js';
import { syntheticRecords } from './synthetic-records.js';

export interface SimulatorLatency {
  /** Answer time of a request the cache does not hold (the upstream asks the EHRs). */
  missLatencyMs: number;
  missJitterMs: number;
  /** Answer time of a cached request. */
  hitLatencyMs: number;
  hitJitterMs: number;
}

/** Error and timeout injection, replaceable at runtime through PUT /_sim/faults. */
export interface SimulatorFaults {
  /** Share (0-1) of resource reads answered with `errorStatus`. */
  errorRate: number;
  errorStatus: number;
  /** Resources always answered with `errorStatus` (or only their next `failTimes` reads). */
  failResources: UhdResource[];
  failTimes?: number;
  /** Share (0-1) of resource reads, and resources, that hang for `hangMs` and then answer 504. */
  hangRate: number;
  hangResources: UhdResource[];
  hangMs: number;
  /** Every request has its connection reset (the upstream is down). */
  down: boolean;
  /** The token endpoint answers this status instead of a token. */
  tokenStatus?: number;
}

export interface UhdSimulatorOptions extends Partial<SimulatorLatency> {
  host?: string;
  port?: number;
  /** How long a distinct request (path and query) stays cached: 20 minutes, like SCDF. */
  cacheTtlMs?: number;
  /** Lifetime of issued tokens (they are JWTs carrying `exp`). */
  tokenTtlSeconds?: number;
  /** The x-api-key every request must carry; any non-empty key when unset. */
  apiKey?: string;
  /** How many received requests are kept for GET /_sim/requests. */
  recordLimit?: number;
  /** Where the simulator's own lines go (start, faults changed); nowhere by default. */
  log?: (line: Record<string, unknown>) => void;
}

export interface ReceivedRequest {
  at: number;
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: Record<string, string>;
  status: number;
  cache?: 'hit' | 'miss';
  /** The parsed JSON body of a token request (the credentials a client sent). */
  body?: unknown;
}

export interface SimulatorStats {
  requests: { total: number; token: number; byResource: Record<string, number> };
  cache: { hits: number; misses: number; entries: number };
  tokensIssued: number;
  inFlight: number;
  maxInFlight: number;
  /** Most resource reads received within any one-second span since the last reset. */
  maxResourceRequestsInAnySecond: number;
  faults: SimulatorFaults;
  latency: SimulatorLatency;
}

const NO_FAULTS: SimulatorFaults = {
  errorRate: 0,
  errorStatus: 500,
  failResources: [],
  hangRate: 0,
  hangResources: [],
  hangMs: 60_000,
  down: false,
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A stand-in for the UHD API (DESIGN.md) for development, tests and benchmarks: the token
 * endpoint and the six resource reads, synthetic records per patient, a cache of each distinct
 * request (path and query) for 20 minutes, miss and hit latencies, fault injection and stats.
 * It checks what a real client must send (token, headers, query) and refuses anything else.
 */
export class UhdSimulator {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly cache = new Map<string, number>();
  private readonly tokens = new Map<string, number>();
  private readonly received: ReceivedRequest[] = [];
  private readonly recent: number[] = [];
  private recentHead = 0;
  private latency: SimulatorLatency;
  private faults: SimulatorFaults = structuredClone(NO_FAULTS);
  private failuresLeft = new Map<UhdResource, number>();
  private stats = this.emptyStats();
  private sweeper?: NodeJS.Timeout;
  private readonly options: Required<Omit<UhdSimulatorOptions, 'apiKey' | keyof SimulatorLatency>> &
    Pick<UhdSimulatorOptions, 'apiKey'>;

  constructor(options: UhdSimulatorOptions = {}) {
    this.latency = {
      missLatencyMs: options.missLatencyMs ?? 2_000,
      missJitterMs: options.missJitterMs ?? 400,
      hitLatencyMs: options.hitLatencyMs ?? 50,
      hitJitterMs: options.hitJitterMs ?? 10,
    };
    this.options = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      cacheTtlMs: options.cacheTtlMs ?? 20 * 60_000,
      tokenTtlSeconds: options.tokenTtlSeconds ?? 3_600,
      apiKey: options.apiKey,
      recordLimit: options.recordLimit ?? 10_000,
      log: options.log ?? (() => undefined),
    };
  }

  /** Base URL once started, e.g. http://127.0.0.1:40123 */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('simulator not started');
    return `http://${this.options.host}:${address.port}`;
  }

  async start(): Promise<this> {
    const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      void this.handle(req, res).catch(() => {
        if (!res.headersSent) this.send(res, 500, { error: 'simulator error' });
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.maxHeadersCount = 100;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.server = server;
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
    this.options.log({ msg: 'UHD simulator listening', url: this.url, latency: this.latency });
    return this;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  setFaults(faults: Partial<SimulatorFaults>) {
    this.faults = { ...structuredClone(NO_FAULTS), ...faults };
    this.failuresLeft = new Map(
      this.faults.failTimes === undefined
        ? []
        : this.faults.failResources.map((r) => [r, this.faults.failTimes!]),
    );
    this.options.log({ msg: 'UHD simulator faults changed', faults: this.faults });
  }

  setLatency(latency: Partial<SimulatorLatency>) {
    this.latency = { ...this.latency, ...latency };
  }

  /** Invalidates every issued token: the next read with one gets 401. */
  revokeTokens() {
    this.tokens.clear();
  }

  /** Forgets stats, received requests, cached requests, tokens and faults. */
  reset() {
    this.stats = this.emptyStats();
    this.received.length = 0;
    this.recent.length = 0;
    this.recentHead = 0;
    this.cache.clear();
    this.tokens.clear();
    this.setFaults({});
  }

  snapshot(): SimulatorStats {
    return {
      ...structuredClone(this.stats),
      cache: { ...this.stats.cache, entries: this.cache.size },
      faults: structuredClone(this.faults),
      latency: { ...this.latency },
    };
  }

  requests(): ReceivedRequest[] {
    return this.received.map((r) => ({ ...r, headers: { ...r.headers } }));
  }

  private emptyStats() {
    return {
      requests: { total: 0, token: 0, byResource: Object.fromEntries(UHD_RESOURCES.map((r) => [r, 0])) },
      cache: { hits: 0, misses: 0, entries: 0 },
      tokensIssued: 0,
      inFlight: 0,
      maxInFlight: 0,
      maxResourceRequestsInAnySecond: 0,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    if (path.startsWith('/_sim/')) return this.admin(req, res, path);

    this.stats.requests.total += 1;
    if (this.faults.down) {
      req.socket.destroy();
      return;
    }
    this.stats.inFlight += 1;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.stats.inFlight);
    try {
      if (req.method === 'POST' && path === UHD_TOKEN_PATH) return await this.login(req, res);
      const match = /^\/v1\/medicalrecords\/([a-z]+)$/.exec(path);
      if (req.method === 'GET' && match && isUhdResource(match[1]))
        return await this.read(req, res, match[1]);
      this.send(res, 404, { error: 'not found' });
    } finally {
      this.stats.inFlight -= 1;
    }
  }

  private async login(req: IncomingMessage, res: ServerResponse) {
    this.stats.requests.token += 1;
    const body = await readBody(req);
    let credentials: Record<string, unknown>;
    try {
      credentials = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return this.record(req, res, 400, { error: 'body must be JSON' });
    }
    const reply = (status: number, answer: object) =>
      this.record(req, res, status, answer, undefined, credentials);
    if (this.faults.tokenStatus) return reply(this.faults.tokenStatus, { error: 'injected' });
    const missing = ['appId', 'appToken', 'subject', 'userType'].filter(
      (k) => typeof credentials[k] !== 'string',
    );
    if (missing.length > 0) return reply(400, { error: `missing ${missing.join(', ')}` });
    if (!this.apiKeyOk(req)) return reply(401, { error: 'bad x-api-key' });

    const validUntil = Date.now() + this.options.tokenTtlSeconds * 1000;
    // The claim rounds down, so a client trusting it never holds a token the simulator has expired.
    const exp = Math.floor(validUntil / 1000);
    const payload = Buffer.from(JSON.stringify({ sub: credentials.subject, exp })).toString('base64url');
    const token = `Bearer eyJhbGciOiJub25lIn0.${payload}.${randomBytes(16).toString('base64url')}`;
    this.tokens.set(token, validUntil);
    this.stats.tokensIssued += 1;
    res.setHeader('authorization', token);
    reply(200, { status: 'ok' });
  }

  private async read(req: IncomingMessage, res: ServerResponse, resource: UhdResource) {
    const url = req.url!;
    this.stats.requests.byResource[resource] += 1;
    this.countRecent(Date.now());

    const token = req.headers.authorization;
    const expiresAt = typeof token === 'string' ? this.tokens.get(token) : undefined;
    if (!expiresAt || expiresAt < Date.now())
      return this.record(req, res, 401, { error: 'invalid or expired token' });
    if (!this.apiKeyOk(req)) return this.record(req, res, 401, { error: 'bad x-api-key' });
    if (req.headers['x-mhv-client-application'] !== UHD_CLIENT_APPLICATION || !req.headers['x-request-id'])
      return this.record(req, res, 400, { error: 'missing x-mhv-client-application or X-Request-Id' });
    const query = new URL(url, 'http://simulator').searchParams;
    const patientId = query.get('patientId');
    const endDate = query.get('endDate') ?? '';
    if (!patientId || !DATE.test(query.get('startDate') ?? '') || !DATE.test(endDate))
      return this.record(req, res, 400, { error: 'patientId, startDate and endDate are required' });

    if (this.shouldHang(resource)) {
      await sleep(this.faults.hangMs, req);
      return this.record(req, res, 504, { error: 'upstream timeout (injected)' });
    }
    if (this.shouldFail(resource)) {
      await sleep(jittered(this.latency.hitLatencyMs, this.latency.hitJitterMs), req);
      return this.record(req, res, this.faults.errorStatus, { error: 'injected failure' });
    }

    const now = Date.now();
    const cachedUntil = this.cache.get(url);
    const hit = cachedUntil !== undefined && cachedUntil > now;
    if (hit) this.stats.cache.hits += 1;
    else this.stats.cache.misses += 1;
    await sleep(
      hit
        ? jittered(this.latency.hitLatencyMs, this.latency.hitJitterMs)
        : jittered(this.latency.missLatencyMs, this.latency.missJitterMs),
      req,
    );
    if (req.destroyed) return;
    if (!hit) this.cache.set(url, Date.now() + this.options.cacheTtlMs);
    res.setHeader('content-type', 'application/json');
    this.record(req, res, 200, syntheticRecords(resource, patientId, endDate), hit ? 'hit' : 'miss');
  }

  private apiKeyOk(req: IncomingMessage): boolean {
    const key = req.headers['x-api-key'];
    return (
      typeof key === 'string' &&
      key.length > 0 &&
      (this.options.apiKey === undefined || key === this.options.apiKey)
    );
  }

  private shouldFail(resource: UhdResource): boolean {
    if (this.faults.failResources.includes(resource)) {
      const left = this.failuresLeft.get(resource);
      if (left === undefined) return true;
      if (left > 0) {
        this.failuresLeft.set(resource, left - 1);
        return true;
      }
    }
    return this.faults.errorRate > 0 && Math.random() < this.faults.errorRate;
  }

  private shouldHang(resource: UhdResource): boolean {
    return (
      this.faults.hangResources.includes(resource) ||
      (this.faults.hangRate > 0 && Math.random() < this.faults.hangRate)
    );
  }

  /** Keeps arrival times of the last second to know the busiest second so far. */
  private countRecent(now: number) {
    this.recent.push(now);
    while (this.recent[this.recentHead] <= now - 1000) this.recentHead += 1;
    if (this.recentHead > 10_000) {
      this.recent.splice(0, this.recentHead);
      this.recentHead = 0;
    }
    this.stats.maxResourceRequestsInAnySecond = Math.max(
      this.stats.maxResourceRequestsInAnySecond,
      this.recent.length - this.recentHead,
    );
  }

  private record(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: string | object,
    cache?: 'hit' | 'miss',
    requestBody?: unknown,
  ) {
    if (this.options.recordLimit > 0) {
      if (this.received.length >= this.options.recordLimit) this.received.shift();
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      this.received.push({
        at: Date.now(),
        method: req.method ?? '',
        url: req.url ?? '',
        headers,
        status,
        ...(cache ? { cache } : {}),
        ...(requestBody === undefined ? {} : { body: requestBody }),
      });
    }
    this.send(res, status, body);
  }

  private send(res: ServerResponse, status: number, body: string | object) {
    if (res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async admin(req: IncomingMessage, res: ServerResponse, path: string) {
    const route = `${req.method} ${path}`;
    try {
      switch (route) {
        case 'GET /_sim/stats':
          return this.send(res, 200, this.snapshot());
        case 'GET /_sim/requests':
          return this.send(res, 200, this.requests());
        case 'GET /_sim/faults':
          return this.send(res, 200, this.faults);
        case 'PUT /_sim/faults':
          this.setFaults(JSON.parse((await readBody(req)) || '{}') as Partial<SimulatorFaults>);
          return this.send(res, 200, this.faults);
        case 'PUT /_sim/latency':
          this.setLatency(JSON.parse((await readBody(req)) || '{}') as Partial<SimulatorLatency>);
          return this.send(res, 200, this.latency);
        case 'POST /_sim/revoke-tokens':
          this.revokeTokens();
          return this.send(res, 200, { revoked: true });
        case 'POST /_sim/reset':
          this.reset();
          return this.send(res, 200, { reset: true });
        default:
          return this.send(res, 404, { error: `unknown admin route ${route}` });
      }
    } catch (error) {
      return this.send(res, 400, { error: String(error) });
    }
  }

  private sweep() {
    const now = Date.now();
    for (const [key, until] of this.cache) if (until <= now) this.cache.delete(key);
    for (const [token, until] of this.tokens) if (until <= now) this.tokens.delete(token);
  }
}

function jittered(base: number, jitter: number): number {
  return Math.max(0, base + (Math.random() * 2 - 1) * jitter);
}

/** Waits `ms`, or less if the client goes away first. */
function sleep(ms: number, req: IncomingMessage): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      req.socket.off('close', done);
      resolve();
    }
    req.socket.once('close', done);
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1_000_000) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
