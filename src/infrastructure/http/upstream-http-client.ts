import { Agent } from 'undici';

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Base URL of the upstream (scheme, host, optional base path), without a trailing slash. */
  baseUrl: string;
  /** Path and query, starting with `/`, sent exactly as given. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Aborts the request and its body; its reason is what the call rejects with. */
  signal: AbortSignal;
}

export interface UpstreamResponse {
  readonly status: number;
  header(name: string): string | undefined;
  json(): Promise<unknown>;
  /** Reads the body to the end without keeping it, so the connection goes back to the pool. */
  discard(): Promise<void>;
}

/** The upstream could not be reached or dropped the connection (refused, reset, DNS, TLS). */
export class UpstreamNetworkError extends Error {
  constructor(
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`upstream connection failed (${code})`, options);
    this.name = 'UpstreamNetworkError';
  }
}

export interface UpstreamHttpOptions {
  /** Sockets per upstream origin; requests beyond that wait for a free one. */
  connections: number;
  connectTimeoutMs: number;
}

/**
 * A keep-alive HTTP client for upstream APIs (undici): one pool of sockets per origin, reused
 * across requests. Only this adapter imports undici; callers see a status, headers and a body.
 * Timeouts are the caller's signal (one deadline per call, token and retry included).
 */
export class UpstreamHttpClient {
  private readonly agent: Agent;

  constructor(options: UpstreamHttpOptions) {
    this.agent = new Agent({
      connections: options.connections,
      connectTimeout: options.connectTimeoutMs,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      // The caller's deadline bounds the whole call; these only stop a socket hanging forever.
      headersTimeout: 300_000,
      bodyTimeout: 300_000,
    });
  }

  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    const url = new URL(request.baseUrl);
    const basePath = url.pathname === '/' ? '' : url.pathname;
    try {
      const response = await this.agent.request({
        origin: url.origin,
        path: `${basePath}${request.path}`,
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
      });
      const { body, headers, statusCode } = response;
      const signal = request.signal;
      return {
        status: statusCode,
        header: (name) => {
          const value = headers[name.toLowerCase()];
          return Array.isArray(value) ? value.join(', ') : value;
        },
        json: () => readOrRethrow(() => body.json(), signal),
        discard: () => readOrRethrow(() => body.dump({ limit: Number.MAX_SAFE_INTEGER }), signal),
      };
    } catch (error) {
      throw translate(error, request.signal);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

async function readOrRethrow<T>(read: () => Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw translate(error, signal);
  }
}

/** The caller's abort reason when it aborted (a deadline, a shutdown), else a network error. */
function translate(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof SyntaxError) return error;
  const code =
    (error as { code?: string })?.code ?? (error as { cause?: { code?: string } })?.cause?.code ?? 'UNKNOWN';
  return new UpstreamNetworkError(code, { cause: error });
}
