/**
 * Failed authentication, limited per client address (issue 13, defect 7): a small
 * token bucket per address, drained by each request whose credentials are missing or
 * unknown and refilled over a minute. Once it is empty, requests from that address
 * with a key not already known good answer 429, with Close's rate-limit headers and
 * body (D31), without a database lookup; a known good key (in the authenticator's
 * cache) still passes, so one bad script does not lock out colleagues behind the same
 * NAT who are already signed in.
 *
 * Buckets live in this process: with several nodes each limits on its own, which is
 * enough to make a flood cost nothing but the 429s (the shared D31 buckets are
 * `ratelimit.ts`'s). The address is Fastify's `request.ip`: the socket's peer, or
 * behind a proxy whatever `trustProxy` makes of `X-Forwarded-For`.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../context.js';
import { RateLimitError, type RateState } from './ratelimit.js';
import { refilledTokens } from './ratelimit-store.js';

export interface AuthFailureLimitOptions {
  /** Failures one address may have in a burst; the bucket refills at this many per `windowSeconds`. */
  failures: number;
  windowSeconds: number;
}

/**
 * 20 failures a minute: a person mistyping a key, or a client retrying with an old one,
 * stays well under it; a flood of guesses gets 20 lookups a minute, not 2,500 a second.
 */
export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimitOptions = { failures: 20, windowSeconds: 60 };

/** Most addresses tracked; past it the table starts over (a flood from many addresses cannot grow memory without bound). */
const MAX_ADDRESSES = 100_000;

/** The endpoint group a 429 of this limit names, in D31's form (an md5 hex digest). */
export const AUTH_FAILURE_GROUP = createHash('md5').update('auth:failures').digest('hex');

export class AuthFailureLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly opts: AuthFailureLimitOptions,
    private readonly clock: Clock,
  ) {}

  private bucket(address: string): { tokens: number; at: number } {
    const now = this.clock();
    let b = this.buckets.get(address);
    if (!b) {
      if (this.buckets.size >= MAX_ADDRESSES) this.buckets.clear();
      b = { tokens: this.opts.failures, at: now };
      this.buckets.set(address, b);
    }
    b.tokens = refilledTokens(b, this.opts.failures, now, this.opts.windowSeconds * 1000);
    b.at = now;
    if (b.tokens >= this.opts.failures) this.buckets.delete(address);
    return b;
  }

  private error(b: { tokens: number }): RateLimitError {
    const ratePerMs = this.opts.failures / (this.opts.windowSeconds * 1000);
    const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / ratePerMs / 1000));
    const state: RateState = { limit: this.opts.failures, remaining: 0, reset: retryAfter };
    return new RateLimitError(state, retryAfter, this.opts.windowSeconds, AUTH_FAILURE_GROUP);
  }

  /** @throws RateLimitError (429) when `address` has no failure left. */
  check(address: string): void {
    const b = this.bucket(address);
    if (b.tokens < 1) throw this.error(b);
  }

  /** Counts one failure of `address`. */
  fail(address: string): void {
    const b = this.bucket(address);
    b.tokens = Math.max(0, b.tokens - 1);
    this.buckets.set(address, b);
  }
}
