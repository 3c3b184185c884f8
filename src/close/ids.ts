/**
 * Close-style object ids: a type prefix followed by base62 characters from a
 * cryptographic random source (decisions D25; reference §10.3, §10.4).
 *
 * Long ids (tasks, leads, contacts, users, organizations, activities) carry 43
 * characters after the prefix, like `task_aRUZXCm9lMb2LwipTPhfFoFbCsUnaoQh1ncQ7WLnjlI`.
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Largest multiple of 62 below 256: bytes at or above it are dropped so every character is equally likely. */
const UNBIASED_LIMIT = 248;

/**
 * Random bytes are drawn from the CSPRNG 4 KiB at a time and each byte is used once:
 * one `randomFillSync` call per ~60 ids instead of one per id (every request now makes
 * a request id and every write an event id).
 */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolPos = POOL_SIZE;

/** Returns `length` base62 characters drawn from `crypto.randomFillSync`. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    if (poolPos >= POOL_SIZE) {
      randomFillSync(pool);
      poolPos = 0;
    }
    const b = pool[poolPos++];
    if (b < UNBIASED_LIMIT) out += ALPHABET[b % 62];
  }
  return out;
}

/** The id prefixes Tasklane issues, by kind of object (reference §10.4). */
export const ID_PREFIX = {
  task: 'task_',
  generatedTask: 'noti_',
  lead: 'lead_',
  contact: 'cont_',
  user: 'user_',
  organization: 'orga_',
  activity: 'acti_',
  opportunity: 'oppo_',
  membership: 'memb_',
  apiKey: 'apik_',
  event: 'ev_',
  webhookSubscription: 'whsub_',
  request: 'req_',
} as const;

/** A new id: `prefix` + 43 base62 characters (D25). */
export function newId(prefix: string): string {
  return prefix + randomBase62(43);
}

/**
 * A new short id: `prefix` + 22 base62 characters (about 131 bits), the form Close uses
 * for its newer objects: events `ev_2sYKRjcrA79yKxi3S4Crd7`, webhook subscriptions
 * `whsub_8AmjKCZYT3zI8eZoi4HhFC`, request ids `req_5SPmoSjkZBMkMkOAaxz7o7`
 * (reference §10.3, §12.1).
 */
export function newShortId(prefix: string): string {
  return prefix + randomBase62(22);
}

/** A new secret API key: `api_` + 43 base62 characters (about 256 bits). Shown once, stored hashed (D27). */
export function newApiKeySecret(): string {
  return 'api_' + randomBase62(43);
}
