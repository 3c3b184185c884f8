/**
 * API authentication (reference §2; decision D27): an API key as the HTTP Basic
 * username with an empty password (`-u KEY:`), or as a Bearer token. Missing or
 * unknown credentials answer 401 with Werkzeug's text.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/connect.js';
import { CloseError } from '../close/errors.js';
import { principalForKey, type Principal } from '../crm/accounts.js';

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

/** Resolves `Authorization` headers to principals, remembering recent answers briefly. */
export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal; expires: number }>();

  constructor(private readonly db: Db) {}

  /** Forgets every remembered key (the emulator's reset, which deletes every key). */
  clear(): void {
    this.cache.clear();
  }

  /** @throws CloseError 401 for missing, malformed or unknown credentials (D27). */
  async authenticate(header: string | undefined): Promise<Principal> {
    const key = apiKeyFromHeader(header);
    if (!key) throw CloseError.unauthorized();
    const cacheKey = createHash('sha256').update(key).digest('base64');
    // Wall time, not the injected clock: this is cache housekeeping, not a Close rule.
    const now = performance.now();
    const hit = this.cache.get(cacheKey);
    if (hit && hit.expires > now) return hit.principal;
    const principal = await principalForKey(this.db.kysely, key);
    if (!principal) throw CloseError.unauthorized();
    if (this.cache.size >= AUTH_CACHE_MAX) this.cache.clear();
    this.cache.set(cacheKey, { principal, expires: now + AUTH_CACHE_TTL_MS });
    return principal;
  }
}
