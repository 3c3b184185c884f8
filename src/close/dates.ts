/**
 * Close's date and date-time values on the wire.
 *
 * Input (D13, reference §5): `YYYY-MM-DD`, or ISO-8601 date-time
 * `YYYY-MM-DD[T| ]HH:MM[:SS[.f{1,6}]][Z|+hh:mm|+hhmm|+hh]`. A date-time without an
 * offset is UTC. A `+` that arrived as a space (an unencoded `+` in a query string)
 * is read as `+`. Fractions beyond milliseconds are truncated: storage keeps
 * milliseconds, as Close does (D19, reference §1.5).
 *
 * Output (D19): Python `isoformat()` of a UTC datetime, `+00:00`, six fraction digits
 * only when the sub-second part is not zero; dates as `YYYY-MM-DD` (D18).
 */

/** A date-only value: the calendar day `day` (`YYYY-MM-DD`), with `ms` = UTC midnight of that day. */
export interface DateOnly {
  kind: 'date';
  day: string;
  /** Milliseconds since the epoch of `day` 00:00 UTC. */
  ms: number;
}

/** An instant, in milliseconds since the epoch (UTC). */
export interface DateTimeValue {
  kind: 'datetime';
  ms: number;
}

export type CloseDate = DateOnly | DateTimeValue;

export const MS_PER_DAY = 86_400_000;

/** The instants Python's datetime can hold: 0001-01-01 to 9999-12-31 (UTC). */
const MIN_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|z|[+\- ]\d{2}(?::?\d{2})?)?$/;

/** UTC midnight (ms) of a valid calendar day, or null when the day does not exist (e.g. `2015-02-30`). */
export function utcDayMs(year: number, month: number, day: number): number | null {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > 31) return null;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(0, 0, 0, 0);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return d.getTime();
}

/** `YYYY-MM-DD` of the UTC calendar day containing `ms`. */
export function dayString(ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  return `${String(y).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** A date-only value from its UTC-midnight milliseconds. */
export function dateOnlyFromMs(ms: number): DateOnly {
  return { kind: 'date', day: dayString(ms), ms };
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/**
 * Parses a Close date or date-time string (D13). Returns null when the text is not
 * one of the accepted forms or names an impossible day or time.
 */
export function parseCloseDate(text: string): CloseDate | null {
  const s = text.trim();
  let m = DATE_RE.exec(s);
  if (m) {
    const ms = utcDayMs(+m[1], +m[2], +m[3]);
    return ms === null ? null : { kind: 'date', day: s, ms };
  }
  m = DATETIME_RE.exec(s);
  if (!m) return null;
  const dayMs = utcDayMs(+m[1], +m[2], +m[3]);
  if (dayMs === null) return null;
  const hh = +m[4];
  const mi = +m[5];
  const ss = m[6] ? +m[6] : 0;
  if (hh > 23 || mi > 59 || ss > 59) return null;
  const milli = m[7] ? Math.floor(Number((m[7] + '000000').slice(0, 6)) / 1000) : 0;
  let offsetMin = 0;
  const off = m[8];
  if (off && off !== 'Z' && off !== 'z') {
    const sign = off[0] === '-' ? -1 : 1; // a space is an unencoded '+'
    const digits = off.slice(1).replace(':', '');
    const oh = +digits.slice(0, 2);
    const om = digits.length > 2 ? +digits.slice(2, 4) : 0;
    if (oh > 23 || om > 59) return null;
    offsetMin = sign * (oh * 60 + om);
  }
  const ms = dayMs + ((hh * 60 + mi) * 60 + ss) * 1000 + milli - offsetMin * 60_000;
  if (ms < MIN_MS || ms > MAX_MS) return null;
  return { kind: 'datetime', ms };
}

/**
 * Python `isoformat()` of the UTC instant `ms`: `2015-02-08T20:30:54.314000+00:00`,
 * or `2015-01-09T19:50:49+00:00` when the milliseconds are zero (D19).
 */
export function isoformat(ms: number): string {
  const frac = ((ms % 1000) + 1000) % 1000;
  // Years 1-9999 are written without a Date per call (issue 12); others as `toISOString` gives them.
  const base = ms >= MIN_MS && ms <= MAX_MS ? isoSeconds(ms - frac) : new Date(ms).toISOString().slice(0, 19);
  return frac === 0 ? base + '+00:00' : base + (frac < 10 ? '.00' : frac < 100 ? '.0' : '.') + frac + '000+00:00';
}

/** `YYYY-MM-DD` of UTC days (ms of their midnight), remembered; past 4096 days the memory starts over. */
const dayTexts = new Map<number, string>();

/** `YYYY-MM-DDTHH:MM:SS` of the whole-second instant `secMs` (UTC), as `Date#toISOString` writes it. */
function isoSeconds(secMs: number): string {
  const dayMs = Math.floor(secMs / MS_PER_DAY) * MS_PER_DAY;
  let day = dayTexts.get(dayMs);
  if (day === undefined) {
    if (dayTexts.size >= 4096) dayTexts.clear();
    dayTexts.set(dayMs, (day = new Date(dayMs).toISOString().slice(0, 10)));
  }
  const t = (secMs - dayMs) / 1000;
  const h = Math.floor(t / 3600);
  const m = Math.floor(t / 60) % 60;
  const sec = t % 60;
  return day + (h < 10 ? 'T0' : 'T') + h + (m < 10 ? ':0' : ':') + m + (sec < 10 ? ':0' : ':') + sec;
}

/**
 * Python `isoformat()` of a *naive* UTC datetime, the form of the event envelope's
 * `date_created`/`date_updated` (reference §1.5, §12.1; Close's webhook example
 * `"2019-01-15T12:48:23.395000"`): like `isoformat(ms)` without the `+00:00`.
 */
export function naiveIsoformat(ms: number): string {
  return isoformat(ms).slice(0, -'+00:00'.length);
}

/** The wire form of a stored task date: `YYYY-MM-DD` for a date, isoformat for an instant (D18, D19). */
export function formatCloseDate(value: CloseDate): string {
  return value.kind === 'date' ? value.day : isoformat(value.ms);
}
