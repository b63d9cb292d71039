import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { UpstreamHttpClient, type UpstreamResponse } from '../infrastructure/http/upstream-http-client.js';
import { deadline } from '../platform/async/deadline.js';
import { UhdCircuitBreaker } from './uhd-circuit-breaker.js';
import { toUhdError, UhdHttpError, UhdMalformedResponse } from './uhd-errors.js';
import { UHD_CLIENT_APPLICATION, uhdEndDate, uhdResourcePath } from './uhd-request.js';
import type { UhdResource } from './uhd-resources.js';
import { UhdTokenProvider } from './uhd-token.provider.js';

/** One record as UHD returns it: FHIR-like, passed through untouched. */
export type UhdRecord = Record<string, unknown>;

/** UHD's response: one bundle per source system. */
export interface UhdRecordsResponse {
  vista?: { entry?: Array<{ resource?: UhdRecord }> };
  'oracle-health'?: { entry?: Array<{ resource?: UhdRecord }> };
}

export interface UhdCallOptions {
  /** The day the request covers up to (YYYY-MM-DD); today in UTC unless given. */
  endDate?: string;
  /** Sent as X-Request-Id so the upstream's logs can be matched with ours. */
  requestId?: string;
  /** The caller giving up (shutdown, a client that went away) aborts the call. */
  signal?: AbortSignal;
}

/**
 * The UHD API client (vets-api's `UnifiedHealthData::Client`), with the requests, headers and
 * token flow of DESIGN.md. Every call is bounded by UHD_TIMEOUT_MS (token wait and 401 retry
 * included), goes through the circuit breaker, and never logs or keeps a response body.
 */
@Injectable()
export class UhdClient {
  constructor(
    private readonly http: UpstreamHttpClient,
    private readonly tokens: UhdTokenProvider,
    private readonly breaker: UhdCircuitBreaker,
    private readonly config: AppConfig,
  ) {}

  /** Whether calls are being refused right now (the circuit is open and cooling down). */
  get circuitOpen(): boolean {
    return this.breaker.refusingCalls;
  }

  /** The patient's records of one resource. */
  async records(
    resource: UhdResource,
    icn: string,
    options: UhdCallOptions = {},
  ): Promise<UhdRecordsResponse> {
    return this.call(resource, icn, options, async (response) => {
      const body = await response.json();
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw new UhdMalformedResponse(resource);
      return body as UhdRecordsResponse;
    });
  }

  /** Makes the upstream compute and cache one resource for the patient; the body is read and dropped. */
  async warm(resource: UhdResource, icn: string, options: UhdCallOptions = {}): Promise<void> {
    await this.call(resource, icn, options, (response) => response.discard());
  }

  private async call<T>(
    resource: UhdResource,
    icn: string,
    options: UhdCallOptions,
    read: (response: UpstreamResponse) => Promise<T>,
  ): Promise<T> {
    const path = uhdResourcePath(resource, icn, options.endDate ?? uhdEndDate());
    const timeoutMs = this.config.uhd.timeoutMs;
    return this.breaker.execute(async () => {
      const bound = deadline(timeoutMs, `UHD ${resource}`, options.signal);
      try {
        let token = await this.tokens.token(bound.signal);
        let response = await this.get(path, token, options.requestId, bound.signal);
        if (response.status === 401) {
          // The token was revoked or expired early: log in again once, then give up.
          await response.discard();
          this.tokens.invalidate(token);
          token = await this.tokens.token(bound.signal);
          response = await this.get(path, token, options.requestId, bound.signal);
        }
        if (response.status < 200 || response.status >= 300) {
          await response.discard();
          throw new UhdHttpError(resource, response.status);
        }
        return await read(response);
      } catch (error) {
        throw toUhdError(error, resource, timeoutMs);
      } finally {
        bound.dispose();
      }
    });
  }

  private get(path: string, token: string, requestId: string | undefined, signal: AbortSignal) {
    return this.http.request({
      method: 'GET',
      baseUrl: this.config.uhd.host!,
      path,
      headers: {
        authorization: token,
        'x-api-key': this.config.uhd.apiKey,
        'x-request-id': requestId ?? randomUUID(),
        'x-mhv-client-application': UHD_CLIENT_APPLICATION,
        accept: 'application/json',
      },
      signal,
    });
  }
}
