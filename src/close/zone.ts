/**
 * The request's time zone (decisions D16; reference §8.1).
 *
 * In order: the `X-TZ-Offset` header (hours, may be fractional like `-2.5` or
 * `-5.0`, range -14..+14; anything else is a 400); else the caller's stored IANA
 * zone (DST handled by the zone rules); else UTC.
 */
import { FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import { CloseError } from './errors.js';

/** A resolved request zone. `fixedOffsetMinutes` is set when the zone never changes its offset. */
export interface RequestZone {
  /** Luxon zone, for calendar arithmetic. */
  zone: Zone;
  /** Minutes east of UTC when the zone is a fixed offset (header or UTC); null for IANA zones. */
  fixedOffsetMinutes: number | null;
  /** IANA name for IANA zones; null for fixed offsets. */
  ianaName: string | null;
}

export const UTC_ZONE: RequestZone = { zone: FixedOffsetZone.utcInstance, fixedOffsetMinutes: 0, ianaName: null };

const OFFSET_RE = /^[+-]?(\d{1,2})(\.\d+)?$/;

/** A zone at a fixed offset of `minutes` east of UTC. */
export function fixedZone(minutes: number): RequestZone {
  if (minutes === 0) return UTC_ZONE;
  return { zone: FixedOffsetZone.instance(minutes), fixedOffsetMinutes: minutes, ianaName: null };
}

/**
 * Parses an `X-TZ-Offset` header value in hours (`-8`, `-4.0`, `5.5`, `+9`).
 * @throws CloseError 400 when it is not a number of hours within -14..+14.
 */
export function parseTzOffsetHeader(raw: string): RequestZone {
  const text = raw.trim();
  if (!OFFSET_RE.test(text)) {
    throw CloseError.request(`Invalid X-TZ-Offset header "${raw}": expected a UTC offset in hours, e.g. -8 or 5.5.`);
  }
  const hours = Number(text);
  if (!Number.isFinite(hours) || hours < -14 || hours > 14) {
    throw CloseError.request(`Invalid X-TZ-Offset header "${raw}": the offset must lie between -14 and 14 hours.`);
  }
  return fixedZone(Math.round(hours * 60));
}

/** True when `name` is an IANA zone this runtime knows (e.g. `America/Los_Angeles`). */
export function isValidIanaZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

const ianaCache = new Map<string, RequestZone>();

/** The zone for a stored IANA name; UTC when the name is unknown to this runtime. */
export function ianaZone(name: string): RequestZone {
  let z = ianaCache.get(name);
  if (!z) {
    if (!IANAZone.isValidZone(name)) return UTC_ZONE;
    const zone = IANAZone.create(name);
    z = name === 'UTC' || name === 'Etc/UTC' ? UTC_ZONE : { zone, fixedOffsetMinutes: null, ianaName: name };
    ianaCache.set(name, z);
  }
  return z;
}

/**
 * The request's zone (D16): header first, then the user's stored zone, then UTC.
 * @throws CloseError 400 for a malformed header.
 */
export function resolveRequestZone(header: string | string[] | undefined, userTimezone: string | null | undefined): RequestZone {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value.trim() !== '') return parseTzOffsetHeader(value);
  if (userTimezone) return ianaZone(userTimezone);
  return UTC_ZONE;
}
