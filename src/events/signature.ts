/**
 * Webhook signatures as Close makes them (reference §12.3):
 *
 *   close-sig-timestamp: <unix seconds, as decimal text>
 *   close-sig-hash: hex(HMAC-SHA256(key = hex-decoded signature_key,
 *                                   message = close-sig-timestamp + raw body bytes))
 *
 * The body is signed byte for byte as sent; a receiver must verify the raw bytes it
 * received, not a re-serialization of the parsed JSON.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** A new `signature_key`: 32 random bytes, hex-encoded (64 characters). */
export function newSignatureKey(): string {
  return randomBytes(32).toString('hex');
}

/**
 * `close-sig-hash` of `body` sent at `timestamp` (unix seconds, the exact text of the
 * `close-sig-timestamp` header).
 */
export function signatureHash(signatureKey: string, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', Buffer.from(signatureKey, 'hex'))
    .update(timestamp, 'utf8')
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('hex');
}
