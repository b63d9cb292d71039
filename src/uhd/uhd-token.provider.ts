import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { UpstreamHttpClient } from '../infrastructure/http/upstream-http-client.js';
import { deadline, raceAbort } from '../platform/async/deadline.js';
import { UhdMetrics } from '../platform/metrics/uhd.metrics.js';
import { toUhdError, UhdHttpError, UhdMalformedResponse } from './uhd-errors.js';
import { UHD_TOKEN_PATH } from './uhd-request.js';
import { refreshAt, tokenExpiry } from './uhd-token.js';

interface HeldToken {
  readonly value: string;
  readonly refreshAt: number;
}

/**
 * The UHD access token, fetched once and shared by every request of this process until it is
 * about to expire or the upstream answers 401 (vets-api logs in again on every request; at
 * 1,200 requests a second that would double the upstream's load). Concurrent callers who find
 * no token wait on the same login.
 */
@Injectable()
export class UhdTokenProvider {
  private readonly logger = new Logger(UhdTokenProvider.name);
  private held?: HeldToken;
  private pending?: Promise<HeldToken>;

  constructor(
    private readonly http: UpstreamHttpClient,
    private readonly config: AppConfig,
    private readonly metrics: UhdMetrics,
  ) {}

  /** A token good for the next request; waits no longer than the caller's signal allows. */
  async token(signal: AbortSignal): Promise<string> {
    const held = this.held;
    if (held && Date.now() < held.refreshAt) return held.value;
    this.pending ??= this.login().finally(() => {
      this.pending = undefined;
    });
    return (await raceAbort(this.pending, signal)).value;
  }

  /** Drops `token` after a 401, unless a newer one has replaced it already. */
  invalidate(token: string) {
    if (this.held?.value === token) this.held = undefined;
  }

  private async login(): Promise<HeldToken> {
    const { securityHost, appId, appToken, subject, userType, apiKey, timeoutMs, tokenTtlSeconds } =
      this.config.uhd;
    // Not the caller's signal: other callers wait on this login too.
    const bound = deadline(timeoutMs, 'UHD login');
    try {
      const response = await this.http.request({
        method: 'POST',
        baseUrl: securityHost!,
        path: UHD_TOKEN_PATH,
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify({ appId, appToken, subject, userType }),
        signal: bound.signal,
      });
      await response.discard();
      if (response.status < 200 || response.status >= 300) throw new UhdHttpError('login', response.status);
      const value = response.header('authorization');
      if (!value) throw new UhdMalformedResponse('login');

      const issuedAt = Date.now();
      const expiresAt = tokenExpiry(value) ?? issuedAt + tokenTtlSeconds * 1000;
      const token = { value, refreshAt: refreshAt(issuedAt, expiresAt) };
      this.held = token;
      this.metrics.tokenRequested('ok');
      this.logger.log({
        msg: 'UHD token obtained',
        validForSeconds: Math.round((expiresAt - issuedAt) / 1000),
      });
      return token;
    } catch (error) {
      this.metrics.tokenRequested('error');
      const failure = toUhdError(error, 'login', timeoutMs);
      this.logger.warn({ msg: 'UHD token request failed', error: failure.message });
      throw failure;
    } finally {
      bound.dispose();
    }
  }
}
