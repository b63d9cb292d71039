import http from 'node:http';
import { parseArgs } from 'node:util';
import { Client, credentials, status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  CUSTOMER_CONFIGURATION_PACKAGE,
  CUSTOMER_CONFIGURATION_SERVICE,
} from '../../src/rules/rules.proto.js';
import {
  type Audience,
  type GrpcCase,
  type HostileCase,
  type HttpCase,
  hostileCase,
  MIB,
  OTHER_TOKEN,
  RIGHT_TOKEN,
} from './hostile-cases.js';

/**
 * The hostile-input client (issue 7) in its own process. Sends cases `first` … `first+cases-1`
 * of `seed` (hostile-cases.ts) to the service's api instances, round-robin, `concurrency` at a
 * time, judges every answer and prints one JSON summary: cases by category, answers by status
 * or code, problems by kind, and the first failing cases with their index and description.
 *
 *   node dist/resilience/clients/hostile-client.js --http URL,URL --grpc HOST:PORT,HOST:PORT \
 *     --seed 20261202 --first 0 --cases 10000 [--case N] [--concurrency 16]
 *
 * `--case N` replays one case and prints it in full. Tokens come from the environment
 * (HOSTILE_ADMIN_TOKEN, HOSTILE_INTERNAL_TOKEN), never from the command line.
 */

export type ProblemKind =
  | 'server-error'
  | 'stack-trace'
  | 'unnamed-problem'
  | 'unexpected-answer'
  | 'no-answer';

export interface Failure {
  index: number;
  category: string;
  description: string;
  answer: string;
  problems: ProblemKind[];
  excerpt: string;
}

export interface HostileReport {
  seed: number;
  first: number;
  cases: number;
  elapsedMs: number;
  byCategory: Record<string, number>;
  /** Answers by `http <status>`, `grpc <CODE>` or `no answer (<error>)`. */
  answers: Record<string, number>;
  answersByCategory: Record<string, Record<string, number>>;
  problems: Record<ProblemKind, number>;
  /** Per category: cases, total and slowest answer time (ms). */
  latency: Record<string, { cases: number; totalMs: number; maxMs: number }>;
  failures: Failure[];
  failuresNotListed: number;
  /**
   * 503 `DependencyUnavailable` (HTTP) or UNAVAILABLE (gRPC): a dependency (Redis, the flag
   * store) did not answer in time while a request the input let through was served. Not a
   * verdict on the input; counted apart, and not a 5xx "from input alone".
   */
  dependencyUnavailable: number;
  /** CPU time this client used (user + system), to tell its cost from the service's. */
  clientCpuMs: number;
  /** With `--case N`: that case and its answer in full, whether it held or not. */
  replayed?: Failure;
}

/** Failing cases listed: a few of each kind (category, answer, problems), so rare kinds show too. */
const FAILURES_PER_KIND = 3;
const MAX_FAILURES_LISTED = 300;
const RESPONSE_KEEP_BYTES = 64 * 1024;
/** A stack frame (`at fn (file:1:2)`), a source position or an absolute path of the server's. */
const STACK_OR_PATH =
  /\n\s+at |\bat [\w$.<>[\]]+ \(|\.(?:js|ts|mjs|cjs):\d+|(?:^|[\s"'(])\/(?:work|home|usr|app|opt|srv|src|dist|node_modules|tmp)\//;

interface Answer {
  label: string;
  /** The server said a dependency was unavailable (503 DependencyUnavailable, UNAVAILABLE). */
  dependency?: boolean;
  /** HTTP status or gRPC code name; undefined when nothing came back. */
  status?: number;
  code?: string;
  /** What the caller is told: the problem's message or the gRPC details. */
  message?: string;
  raw: string;
}

interface Tokens {
  admin: string;
  internal: string;
  session: string;
}

function tokenFor(audience: Audience, tokens: Tokens): { right: string; other: string } {
  if (audience === 'admin') return { right: tokens.admin, other: tokens.internal };
  if (audience === 'internal') return { right: tokens.internal, other: tokens.admin };
  return { right: tokens.session, other: tokens.admin };
}

// ---------------------------------------------------------------- HTTP

const CHUNKS = {
  zeros: Buffer.alloc(64 * 1024),
  json: Buffer.alloc(64 * 1024, 0x78),
  jsonFirst: (() => {
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    chunk.write('{"a":"');
    return chunk;
  })(),
};

/** 64 KiB of a 10 MiB body: zeros, or a JSON string that never ends. */
function fillChunk(fill: 'json' | 'zeros', first: boolean): Buffer {
  if (fill === 'zeros') return CHUNKS.zeros;
  return first ? CHUNKS.jsonFirst : CHUNKS.json;
}

/**
 * Sends an HTTP case. A keep-alive socket the server closed just as it was reused fails with
 * ECONNRESET before the request reached the server; that one is sent again (Node's advice).
 */
async function sendHttp(
  baseUrl: string,
  c: HttpCase,
  tokens: Tokens,
  agent: http.Agent,
  timeoutMs: number,
): Promise<Answer> {
  const first = await sendHttpOnce(baseUrl, c, tokens, agent, timeoutMs);
  return first.retry ? (await sendHttpOnce(baseUrl, c, tokens, agent, timeoutMs)).answer : first.answer;
}

function sendHttpOnce(
  baseUrl: string,
  c: HttpCase,
  tokens: Tokens,
  agent: http.Agent,
  timeoutMs: number,
): Promise<{ answer: Answer; retry: boolean }> {
  const { right, other } = tokenFor(c.audience, tokens);
  const fill = (text: string) => text.replaceAll(RIGHT_TOKEN, right).replaceAll(OTHER_TOKEN, other);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(c.headers)) headers[name] = fill(value);
  if (c.authorize) headers.authorization = `Bearer ${right}`;
  const body = c.body;
  if (body && 'bytes' in body) headers['content-length'] = String(body.bytes.length);
  else if (body && !body.chunked) headers['content-length'] = String(body.size);
  // Said outright: Node's client would send a GET's streamed body unframed otherwise.
  else if (body) headers['transfer-encoding'] = 'chunked';
  const url = new URL(baseUrl);

  return new Promise((resolve) => {
    let settled = false;
    let responded = false;
    const settle = (answer: Answer, retry = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ answer, retry });
    };
    const request = http.request({
      host: url.hostname,
      port: url.port,
      method: c.method,
      path: fill(c.path),
      headers,
      agent,
    });
    const timer = setTimeout(() => {
      request.destroy();
      settle({ label: `no answer (timeout ${timeoutMs} ms)`, raw: '' });
    }, timeoutMs);
    request.on('response', (response) => {
      responded = true;
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < RESPONSE_KEEP_BYTES) chunks.push(chunk);
        kept += chunk.length;
      });
      response.on('error', () => undefined);
      response.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let message: string | undefined;
        let dependency = false;
        try {
          const parsed = JSON.parse(raw) as { message?: unknown; error?: unknown };
          dependency = response.statusCode === 503 && parsed.error === 'DependencyUnavailable';
          // The service's problems carry `message`; the queue dashboard's errors name the field elsewhere.
          message = typeof parsed.message === 'string' ? parsed.message : raw;
        } catch {
          // Not JSON: judged below as a message that names nothing.
        }
        settle({
          label: `http ${response.statusCode}`,
          status: response.statusCode,
          message,
          raw,
          dependency,
        });
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const stale = request.reusedSocket && error.code === 'ECONNRESET' && !responded;
      const when = responded ? 'mid-response' : request.reusedSocket ? 'reused socket' : 'new socket';
      settle({ label: `no answer (${error.code ?? error.message}, ${when})`, raw: '' }, stale);
    });
    if (!body) return void request.end();
    if ('bytes' in body) return void request.end(body.bytes);
    // A 10 MiB body, written as the socket takes it; the server may answer before it is all sent.
    let sent = 0;
    const pump = () => {
      while (sent < body.size && !request.destroyed) {
        const chunk = fillChunk(body.fill, sent === 0).subarray(0, Math.min(64 * 1024, body.size - sent));
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', pump);
      }
      if (!request.destroyed) request.end();
    };
    pump();
  });
}

// ---------------------------------------------------------------- gRPC

const SERVICE_PATH = `/${CUSTOMER_CONFIGURATION_PACKAGE}.${CUSTOMER_CONFIGURATION_SERVICE}`;

function sendGrpc(client: Client, c: GrpcCase): Promise<Answer> {
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      `${SERVICE_PATH}/${c.method}`,
      (bytes) => bytes,
      (bytes) => bytes,
      c.message,
      new Metadata(),
      { deadline: new Date(Date.now() + c.deadlineMs) },
      (error: ServiceError | null) => {
        const code = error ? (GrpcStatus[error.code] ?? String(error.code)) : 'OK';
        resolve({
          label: `grpc ${code}`,
          code,
          message: error?.details,
          raw: error?.details ?? '',
          dependency: code === 'UNAVAILABLE',
        });
      },
    );
  });
}

// ---------------------------------------------------------------- judging

/** What is wrong with an answer, if anything (an empty list: the case held). */
function judge(c: HostileCase, answer: Answer): ProblemKind[] {
  // A dependency that timed out under the load is no verdict on the input; its message still must not leak.
  if (answer.dependency) return STACK_OR_PATH.test(answer.raw) ? ['stack-trace'] : [];
  const problems: ProblemKind[] = [];
  if (c.transport === 'http') {
    if (answer.status === undefined) return ['no-answer'];
    if (answer.status >= 500) problems.push('server-error');
    // Errors only: a 2xx may carry data that holds traces (the queue dashboard shows failed jobs).
    if (answer.status >= 400 && STACK_OR_PATH.test(answer.raw)) problems.push('stack-trace');
    if (answer.status >= 400 && answer.status < 500 && c.problem) {
      if (answer.message === undefined || !c.problem.test(answer.message)) problems.push('unnamed-problem');
    }
    if (!c.statuses.includes(answer.status)) problems.push('unexpected-answer');
    return problems;
  }
  const code = answer.code ?? 'UNKNOWN';
  if (code === 'INTERNAL' || code === 'UNKNOWN') problems.push('server-error');
  if (STACK_OR_PATH.test(answer.raw)) problems.push('stack-trace');
  // A deadline the client itself enforced carries the client's words, not the server's.
  const clientSide = code === 'DEADLINE_EXCEEDED' || code === 'CANCELLED';
  if (code !== 'OK' && !clientSide && c.problem && !c.problem.test(answer.message ?? ''))
    problems.push('unnamed-problem');
  if (!c.codes.includes(code)) problems.push('unexpected-answer');
  return problems;
}

// ---------------------------------------------------------------- the run

async function signIn(baseUrl: string, internalToken: string): Promise<string> {
  const response = await fetch(`${baseUrl}/v0/sign-ins`, {
    method: 'POST',
    headers: { authorization: `Bearer ${internalToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      userUuid: 'hostile-client',
      icn: '1000000002V000002',
      clientId: 'vamobile',
      vaTreatmentFacilityIds: ['983'],
    }),
  });
  if (response.status !== 201) throw new Error(`the client's own sign-in answered ${response.status}`);
  return ((await response.json()) as { sessionId: string }).sessionId;
}

const count = (record: Record<string, number>, key: string) => {
  record[key] = (record[key] ?? 0) + 1;
};

async function main() {
  const { values } = parseArgs({
    options: {
      http: { type: 'string' },
      grpc: { type: 'string' },
      seed: { type: 'string', default: '20261202' },
      first: { type: 'string', default: '0' },
      cases: { type: 'string', default: '10000' },
      case: { type: 'string' },
      concurrency: { type: 'string', default: '16' },
      'timeout-ms': { type: 'string', default: '20000' },
    },
  });
  const httpUrls = (values.http ?? '').split(',').filter(Boolean);
  const grpcAddresses = (values.grpc ?? '').split(',').filter(Boolean);
  if (httpUrls.length === 0 || grpcAddresses.length === 0) throw new Error('--http and --grpc are required');
  const admin = process.env.HOSTILE_ADMIN_TOKEN;
  const internal = process.env.HOSTILE_INTERNAL_TOKEN;
  if (!admin || !internal) throw new Error('HOSTILE_ADMIN_TOKEN and HOSTILE_INTERNAL_TOKEN are required');
  const seed = Number(values.seed);
  const single = values.case === undefined ? undefined : Number(values.case);
  const first = single ?? Number(values.first);
  const total = single === undefined ? Number(values.cases) : 1;
  const timeoutMs = Number(values['timeout-ms']);

  const tokens: Tokens = { admin, internal, session: await signIn(httpUrls[0], internal) };
  // Idle sockets are dropped before the server's 5 s keep-alive timeout would close them under a
  // request, and used in turn (fifo) so that none sits idle that long.
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: Number(values.concurrency),
    scheduling: 'fifo',
    timeout: 4_000,
  });
  const clients = grpcAddresses.map(
    (address) =>
      new Client(address, credentials.createInsecure(), {
        'grpc.max_send_message_length': 8 * MIB,
        'grpc.max_receive_message_length': -1,
      }),
  );

  const report: HostileReport = {
    seed,
    first,
    cases: 0,
    elapsedMs: 0,
    byCategory: {},
    answers: {},
    answersByCategory: {},
    problems: {
      'server-error': 0,
      'stack-trace': 0,
      'unnamed-problem': 0,
      'unexpected-answer': 0,
      'no-answer': 0,
    },
    latency: {},
    failures: [],
    failuresNotListed: 0,
    dependencyUnavailable: 0,
    clientCpuMs: 0,
  };
  const listedByKind = new Map<string, number>();
  const started = Date.now();
  let next = first;
  const end = first + total;
  const worker = async () => {
    while (next < end) {
      const index = next++;
      const c = hostileCase(seed, index);
      const sent = performance.now();
      const answer =
        c.transport === 'http'
          ? await sendHttp(httpUrls[index % httpUrls.length], c, tokens, agent, timeoutMs)
          : await sendGrpc(clients[index % clients.length], c);
      const ms = performance.now() - sent;
      const problems = judge(c, answer);
      report.cases += 1;
      if (answer.dependency) report.dependencyUnavailable += 1;
      if (single !== undefined)
        report.replayed = {
          index,
          category: c.category,
          description: c.description,
          answer: answer.label,
          problems,
          excerpt: answer.raw.slice(0, 2_000),
        };
      report.latency[c.category] ??= { cases: 0, totalMs: 0, maxMs: 0 };
      const latency = report.latency[c.category];
      latency.cases += 1;
      latency.totalMs += ms;
      latency.maxMs = Math.max(latency.maxMs, ms);
      count(report.byCategory, c.category);
      count(report.answers, answer.label);
      report.answersByCategory[c.category] ??= {};
      count(report.answersByCategory[c.category], answer.label);
      for (const problem of problems) report.problems[problem] += 1;
      if (problems.length === 0) continue;
      const kind = `${c.category} ${answer.label} ${problems.join(',')}`;
      const listed = listedByKind.get(kind) ?? 0;
      if (listed >= FAILURES_PER_KIND || report.failures.length >= MAX_FAILURES_LISTED) {
        report.failuresNotListed += 1;
        continue;
      }
      listedByKind.set(kind, listed + 1);
      report.failures.push({
        index,
        category: c.category,
        description: c.description,
        answer: answer.label,
        problems,
        excerpt: answer.raw.slice(0, 300),
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(Number(values.concurrency), total) }, worker));
  report.elapsedMs = Date.now() - started;
  const cpu = process.cpuUsage();
  report.clientCpuMs = Math.round((cpu.user + cpu.system) / 1000);
  for (const client of clients) client.close();
  agent.destroy();
  report.failures.sort((a, b) => a.index - b.index);
  process.stdout.write(`${JSON.stringify(report, null, single === undefined ? 0 : 2)}\n`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
