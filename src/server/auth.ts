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

/**
 * How long a key's lookup is remembered, in ms. Without it every request pays a
 * database round trip before doing its work; with it, a key deleted from the database
 * by another process keeps working for at most this long.
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

/** Resolves `Authorization` headers to principals, remembering recent answers briefly. */
export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal; expires: number }>();
  private readonly unknown = new Map<string, number>();

  /** `failures`: the per-address limit of failed attempts (`authlimit.ts`), or null for none. */
  constructor(
    private readonly db: Db,
    private readonly failures: AuthFailureLimiter | null = null,
  ) {}

  /** Forgets every remembered key (the emulator's reset, which deletes every key). */
  clear(): void {
    this.cache.clear();
    this.unknown.clear();
  }

  /**
   * @param address the client's address, for the limit on failures (`authlimit.ts`).
   * @throws CloseError 401 for missing, malformed or unknown credentials (D27);
   *   RateLimitError 429 when `address` has used up its failures and the key is not
   *   one already known good.
   */
  async authenticate(header: string | undefined, address = ''): Promise<Principal> {
    const key = apiKeyFromHeader(header);
    if (!key) throw this.failed(address);
    const cacheKey = createHash('sha256').update(key).digest('base64');
    // Wall time, not the injected clock: this is cache housekeeping, not a Close rule.
    const now = performance.now();
    const hit = this.cache.get(cacheKey);
    if (hit && hit.expires > now) return hit.principal;
    this.failures?.check(address);
    const unknownUntil = this.unknown.get(cacheKey);
    if (unknownUntil !== undefined && unknownUntil > now) throw this.failed(address);
    const principal = await principalForKey(this.db.kysely, key);
    if (!principal) {
      // A deactivated member's key works again on reactivation (D35): never remembered as unknown.
      if (!(await keyWasIssued(this.db.kysely, key))) {
        if (this.unknown.size >= AUTH_CACHE_MAX) this.unknown.clear();
        this.unknown.set(cacheKey, now + AUTH_NEGATIVE_TTL_MS);
      }
      throw this.failed(address);
    }
    this.unknown.delete(cacheKey);
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
