/**
 * Fairness between organizations (issue 13, defect 7): at most `maxConcurrent`
 * requests of one organization are served at once on this node; more wait in line
 * (first come, first served), and past `maxQueued` waiting ones a request answers 429
 * at once, with Close's rate-limit headers and body (D31; `rate_reset` 1 s). One
 * organization flooding within its rate limits then holds at most `maxConcurrent` of
 * the node's turns at the database, so another organization's request waits behind a
 * handful of the flood's, not hundreds. Waiting rather than refusing keeps clients
 * that run many requests in parallel working unchanged (only slower); the line is
 * bounded so a flood cannot hold unbounded memory.
 */
import { createHash } from 'node:crypto';
import { RateLimitError } from './ratelimit.js';

export interface OrgConcurrencyOptions {
  /**
   * Requests of one organization served at once. 8: the node has one SQLite connection
   * (or a pool of 10 to PostgreSQL), so more at once only queue at the database, ahead
   * of everyone else's requests.
   */
  maxConcurrent: number;
  /** Requests of one organization waiting for a turn; past it, 429. 200: a client's worth of parallel requests, bounded. */
  maxQueued: number;
}

export const DEFAULT_ORG_CONCURRENCY: OrgConcurrencyOptions = { maxConcurrent: 8, maxQueued: 200 };

/** The endpoint group a 429 of this cap names, in D31's form (an md5 hex digest). */
export const CONCURRENCY_GROUP = createHash('md5').update('org:concurrency').digest('hex');

interface OrgState {
  active: number;
  waiting: (() => void)[];
}

export class OrgConcurrency {
  private readonly orgs = new Map<string, OrgState>();

  constructor(private readonly opts: OrgConcurrencyOptions) {}

  /**
   * Takes one of `organizationId`'s turns, waiting in line when all are taken.
   * @returns the function that gives it back (call it once, when the request is done).
   * @throws RateLimitError 429 when the line is full.
   */
  async enter(organizationId: string): Promise<() => void> {
    let s = this.orgs.get(organizationId);
    if (!s) {
      s = { active: 0, waiting: [] };
      this.orgs.set(organizationId, s);
    }
    const state = s;
    if (state.active >= this.opts.maxConcurrent) {
      if (state.waiting.length >= this.opts.maxQueued) {
        throw new RateLimitError({ limit: this.opts.maxConcurrent, remaining: 0, reset: 1 }, 1, 1, CONCURRENCY_GROUP);
      }
      // The releasing request hands its turn over (`active` stays as it is).
      await new Promise<void>((resolve) => state.waiting.push(resolve));
    } else state.active++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = state.waiting.shift();
      if (next) return next();
      state.active--;
      if (state.active === 0) this.orgs.delete(organizationId);
    };
  }
}
