/**
 * Close-style object ids: a type prefix followed by base62 characters from a
 * cryptographic random source (decisions D25; reference §10.3, §10.4).
 *
 * Long ids (tasks, leads, contacts, users, organizations, activities) carry 43
 * characters after the prefix, like `task_aRUZXCm9lMb2LwipTPhfFoFbCsUnaoQh1ncQ7WLnjlI`.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Largest multiple of 62 below 256: bytes at or above it are dropped so every character is equally likely. */
const UNBIASED_LIMIT = 248;

/** Returns `length` base62 characters drawn from `crypto.randomBytes`. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = randomBytes(length * 2);
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const b = bytes[i];
      if (b < UNBIASED_LIMIT) out += ALPHABET[b % 62];
    }
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
} as const;

/** A new id: `prefix` + 43 base62 characters (D25). */
export function newId(prefix: string): string {
  return prefix + randomBase62(43);
}

/** A new secret API key: `api_` + 43 base62 characters (about 256 bits). Shown once, stored hashed (D27). */
export function newApiKeySecret(): string {
  return 'api_' + randomBase62(43);
}
