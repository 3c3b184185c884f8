/**
 * API authentication (reference §2; decision D27): an API key as the HTTP Basic
 * username with an empty password (`-u KEY:`), or as a Bearer token. Missing or
 * unknown credentials answer 401 with Werkzeug's text.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/connect.js';
import { CloseError } from '../close/errors.js';
import { keyWasIssued, principalForKey, type Principal } from '../crm/accounts.js';
import type { AuthFailureLimiter } from './authlimit.js';
import { AUTH_CHANNEL, readAuthEpoch } from '../db/accounts.repo.js';
import type { StopListening } from '../db/notify.js';

/**
 * How long a key's lookup is remembered, in ms. Without it every request pays a
 * database round trip before doing its work. A revoked key or deactivated member is
 * dropped from the cache at once (see `Authenticator`); the TTL only bounds other
 * changes made behind Tasklane's back (rows edited by hand).
 */
export const AUTH_CACHE_TTL_MS = 5_000;
/** Most keys remembered at once; past it the cache starts over. */
const AUTH_CACHE_MAX = 10_000;

/** The API key carried by an `Authorization` header, or null. */
export function apiKeyFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || null;
  if (scheme !== 'basic') return null;
  let decoded: string;
  try {
    decoded = Buffer.from(value, 'base64').toString('utf8');
  } catch {
    return null;
  }
  const colon = decoded.indexOf(':');
  const key = colon < 0 ? decoded : decoded.slice(0, colon);
  return key || null;
}

/**
 * How long a key Tasklane never issued is remembered as unknown, in ms (issue 13,
 * defect 7): a flood of the same bad key costs two lookups per this long, not one per
 * request. (A deactivated member's key is never remembered so, D35.)
 */
export const AUTH_NEGATIVE_TTL_MS = 10_000;

/** How long a key that authenticated passes the failure limit of its address, in ms (an hour). */
const KNOWN_GOOD_TTL_MS = 3_600_000;

/**
 * Resolves `Authorization` headers to principals, remembering recent answers briefly.
 *
 * Credential changes (`apikey revoke`, `user deactivate|reactivate`) bump the
 * database's credential version (`bumpAuthEpoch`), and every node forgets its cached
 * lookups at once (issue 11):
 * - SQLite: when the file changed since the last look (`changeToken`, no I/O), the
 *   version is read again (one point query) and a new one clears the cache;
 * - PostgreSQL / PGlite: a LISTEN on `AUTH_CHANNEL` clears the cache on every NOTIFY;
 *   while that listener is not connected nothing is cached.
 * Keys that were never issued are remembered as unknown for `AUTH_NEGATIVE_TTL_MS`, and
 * failures count against the client's address (`authlimit.ts`, issue 13).
 * Call `start()` before use and `stop()` when done.
 */
export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal; expires: number }>();
  private readonly unknown = new Map<string, number>();
  /**
   * Keys that authenticated lately (until when, ms): they pass the per-address failure
   * limit, so members behind the address of a flood are not locked out. Only the limit:
   * they are still looked up when the cache above cannot be used. Credential changes
   * do not clear it (a revoked key fails its next lookup and is dropped from it then), so
   * a NOTIFY or a listener reconnect cannot lock out members already signed in.
   */
  private readonly knownGood = new Map<string, number>();
  private lastToken: string | undefined;
  private epoch = -1;
  /** PostgreSQL: whether the NOTIFY listener is connected (a cache is safe only then). */
  private listening = false;
  private stopListening: StopListening | null = null;
  /** Grows on every clear: a lookup that started before one is not cached. */
  private generation = 0;

  /** `failures`: the per-address limit of failed attempts (`authlimit.ts`), or null for none. */
  constructor(
    private readonly db: Db,
    private readonly failures: AuthFailureLimiter | null = null,
  ) {}

  /** Starts hearing of credential changes (PostgreSQL: opens the listener; never waits for it). */
  async start(): Promise<void> {
    if (this.db.changeToken || !this.db.listen || this.stopListening) return;
    this.stopListening = this.db.listen(AUTH_CHANNEL, {
      onMessage: () => this.clear(),
      onState: (connected) => {
        this.clear();
        this.listening = connected;
      },
    });
  }

  /**
   * Whether known keys are answered from the cache now: always on SQLite; on
   * PostgreSQL and PGlite only while the credential-change listener is connected.
   */
  get caching(): boolean {
    return Boolean(this.db.changeToken) || this.listening;
  }

  /** Stops the listener (PostgreSQL). */
  async stop(): Promise<void> {
    const stop = this.stopListening;
    this.stopListening = null;
    this.listening = false;
    await stop?.();
  }

  /** Forgets cached principals and unknown keys (the emulator's reset, which deletes every key; credential changes). */
  clear(): void {
    this.cache.clear();
    this.unknown.clear();
    this.generation++;
  }

  /** Whether a cached lookup may be used now (SQLite: after checking the credential version). */
  private async cacheUsable(): Promise<boolean> {
    const changeToken = this.db.changeToken;
    if (!changeToken) return this.listening;
    const token = changeToken();
    if (token !== this.lastToken) {
      const epoch = await readAuthEpoch(this.db.kysely);
      if (epoch !== this.epoch) this.clear();
      this.epoch = epoch;
      this.lastToken = token;
    }
    return true;
  }

  /**
   * @param address the client's address, for the limit on failures (`authlimit.ts`).
   * @throws CloseError 401 for missing, malformed, unknown or revoked credentials (D27, D35);
   *   RateLimitError 429 when `address` has used up its failures and the key is not
   *   one already known good.
   */
  async authenticate(header: string | undefined, address = ''): Promise<Principal> {
    const key = apiKeyFromHeader(header);
    if (!key) throw this.failed(address);
    const cacheKey = createHash('sha256').update(key).digest('base64');
    const usable = await this.cacheUsable();
    // Wall time, not the injected clock: this is cache housekeeping, not a Close rule.
    const now = performance.now();
    const hit = usable ? this.cache.get(cacheKey) : undefined;
    if (hit && hit.expires > now) return hit.principal;
    if (!((this.knownGood.get(cacheKey) ?? 0) > now)) this.failures?.check(address);
    // Unknown keys do not depend on credential changes (those concern issued keys), so this
    // holds whether or not the positive cache is usable.
    const unknownUntil = this.unknown.get(cacheKey);
    if (unknownUntil !== undefined && unknownUntil > now) throw this.failed(address);
    const generation = this.generation;
    const principal = await principalForKey(this.db.kysely, key);
    if (!principal) {
      this.knownGood.delete(cacheKey);
      // A deactivated member's or a revoked key stays issued: never remembered as unknown (D35).
      if (generation === this.generation && !(await keyWasIssued(this.db.kysely, key))) {
        if (this.unknown.size >= AUTH_CACHE_MAX) this.unknown.clear();
        this.unknown.set(cacheKey, now + AUTH_NEGATIVE_TTL_MS);
      }
      throw this.failed(address);
    }
    this.unknown.delete(cacheKey);
    if (this.knownGood.size >= AUTH_CACHE_MAX) this.knownGood.clear();
    this.knownGood.set(cacheKey, now + KNOWN_GOOD_TTL_MS);
    if (!usable || generation !== this.generation) return principal;
    if (this.cache.size >= AUTH_CACHE_MAX) this.cache.clear();
    this.cache.set(cacheKey, { principal, expires: now + AUTH_CACHE_TTL_MS });
    return principal;
  }

  /** Counts a failure of `address` and returns the 401 (or the 429 once none is left). */
  private failed(address: string): CloseError {
    if (!this.failures) return CloseError.unauthorized();
    try {
      this.failures.check(address);
    } catch (e) {
      return e as CloseError;
    }
    this.failures.fail(address);
    return CloseError.unauthorized();
  }
}
