/**
 * Rate limits (decision D31; reference §7): a token bucket per (API key, endpoint
 * group) and one per organization at three times the key's rate. Every authenticated
 * response carries
 *   `RateLimit: limit=N, remaining=N, reset=S` and
 *   `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining`, `X-Rate-Limit-Reset`
 * describing whichever bucket is closer to empty; a request that finds a bucket empty
 * answers 429 with `Retry-After: S` and a JSON body with the numbers as numbers.
 *
 * The 429 body is D31's as revised: `error` is an object `{"message", "rate_reset",
 * "rate_window", "rate_endpoint_group"}` and the same numbers also stand at the top
 * level. Close's official Python client sleeps `body["error"]["rate_reset"]`
 * (closeio_api `_get_rate_limit_sleep_time`; a string there would make it give up),
 * Airbyte reads the same, the Singer tap and closex read the top-level copy.
 *
 * Buckets live in a `BucketStore` (`ratelimit-store.ts`): Redis or the database when
 * several nodes must share them (D31: N nodes do not grant N times the rate), this
 * process's memory for one node.
 */
import { createHash } from 'node:crypto';
import { CloseError } from '../close/errors.js';
import type { Clock } from '../context.js';
import { MemoryBucketStore, type BucketResult, type BucketStore } from './ratelimit-store.js';

export interface RateLimitOptions {
  /** Requests one API key may make to one endpoint group per window. */
  perKey: number;
  /** The window in seconds: a drained bucket is full again after it. */
  windowSeconds: number;
}

/** Close's observed limits were a few hundred requests per 8-second window per group. */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { perKey: 600, windowSeconds: 8 };

/** The org bucket is this many times the key bucket (D31; reference §7: 20 rps per key, 60 per org). */
export const ORG_MULTIPLIER = 3;

/** The state of the bucket a response reports on. */
export interface RateState {
  limit: number;
  remaining: number;
  /** Whole seconds until the bucket is full again, at least 1. */
  reset: number;
}

/** Close's endpoint group name for a request: reads and writes of one resource differ. */
export function endpointGroup(method: string, url: string): string {
  const path = url.split('?')[0].replace(/\/+/g, '/');
  const resource = /^\/api\/v1\/([^/]+)/.exec(path)?.[1] ?? 'other';
  const kind = method === 'GET' || method === 'HEAD' ? 'read' : 'write';
  return createHash('md5').update(`${kind}:${resource}`).digest('hex');
}

/** Counts requests against D31's buckets, kept in a `BucketStore`. */
export class RateLimiter {
  /**
   * @param store where buckets live; default this process's memory (one node).
   */
  constructor(
    private readonly opts: RateLimitOptions,
    private readonly clock: Clock,
    readonly store: BucketStore = new MemoryBucketStore(),
  ) {}

  private state(r: BucketResult, capacity: number): { ok: boolean; state: RateState; retryAfter: number } {
    const ratePerMs = capacity / (this.opts.windowSeconds * 1000);
    const remaining = Math.max(0, Math.floor(r.tokens));
    const retryAfter = Math.max(1, Math.ceil((1 - r.tokens) / ratePerMs / 1000));
    // With nothing left, `reset` is when the next request may pass (so a 429's `reset`,
    // `Retry-After` and `rate_reset` agree, reference §7); otherwise when the bucket is full.
    const reset = remaining === 0 ? retryAfter : Math.max(1, Math.ceil((capacity - r.tokens) / ratePerMs / 1000));
    return { ok: r.granted, state: { limit: capacity, remaining, reset }, retryAfter };
  }

  /**
   * Counts one request of `apiKeyId` in `organizationId` to `group` (one round trip to the store).
   * @returns the state to report in headers.
   * @throws CloseError 429 (with `retryAfter` and the state to put in headers) when a bucket is empty.
   */
  async hit(apiKeyId: string, organizationId: string, group: string): Promise<RateState> {
    const keyCapacity = this.opts.perKey;
    const orgCapacity = this.opts.perKey * ORG_MULTIPLIER;
    const [k, o] = await this.store.take(
      [
        { key: `k:${apiKeyId}:${group}`, capacity: keyCapacity },
        { key: `o:${organizationId}:${group}`, capacity: orgCapacity },
      ],
      this.clock(),
      this.opts.windowSeconds * 1000,
    );
    const key = this.state(k, keyCapacity);
    const org = this.state(o, orgCapacity);
    const tighter = key.state.remaining / key.state.limit <= org.state.remaining / org.state.limit ? key : org;
    if (!key.ok || !org.ok) {
      const blocked = !key.ok ? key : org;
      throw new RateLimitError(blocked.state, blocked.retryAfter, this.opts.windowSeconds, group);
    }
    return tighter.state;
  }
}

/** A 429: the bucket's state for the headers and Close's body. */
export class RateLimitError extends CloseError {
  constructor(
    readonly state: RateState,
    readonly retryAfter: number,
    readonly windowSeconds: number,
    readonly group: string,
  ) {
    const numbers = { rate_reset: retryAfter, rate_window: windowSeconds, rate_endpoint_group: group };
    super(429, { error: { message: 'API call count exceeded for this period', ...numbers }, ...numbers });
  }
}

/** The headers describing `state` (D31). */
export function rateLimitHeaders(state: RateState): Record<string, string> {
  return {
    RateLimit: `limit=${state.limit}, remaining=${state.remaining}, reset=${state.reset}`,
    'X-Rate-Limit-Limit': String(state.limit),
    'X-Rate-Limit-Remaining': String(state.remaining),
    'X-Rate-Limit-Reset': String(state.reset),
  };
}
