/**
 * Close's query-parameter conventions, shared by every list endpoint (reference §3-§5,
 * decisions D3, D5-D9, D11-D13). Pure functions over a `Params` bag: no HTTP, no SQL.
 *
 * A `Params` bag maps a parameter name to every value it was given, in order (a
 * repeated `id__in=a&id__in=b`, as Python `requests` sends lists, keeps both).
 */
import { CloseError, FIELD_TEXT } from './errors.js';
import { parseCloseDate, type CloseDate } from './dates.js';

export type Params = Map<string, string[]>;

/** Builds a bag from a URL query string (`a=1&b=2`); `+` decodes to a space, as in any form encoding. */
export function paramsFromQueryString(qs: string): Params {
  const out: Params = new Map();
  for (const [k, v] of new URLSearchParams(qs)) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

/**
 * Builds a bag from a JSON `_params` object (D3): strings stay, numbers and booleans
 * become their text (`true`/`false`), arrays give one value per item, null gives `''`.
 * @throws CloseError 400 when `_params` is not an object.
 */
export function paramsFromJson(value: unknown): Params {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw CloseError.field('_params', 'Must be an object of query parameters.');
  }
  const out: Params = new Map();
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const items = Array.isArray(v) ? v : [v];
    const texts: string[] = [];
    for (const item of items) {
      if (item === null || item === undefined) texts.push('');
      else if (typeof item === 'string') texts.push(item);
      else if (typeof item === 'number' || typeof item === 'boolean') texts.push(String(item));
      else throw CloseError.field(k, 'Must be a string, number, boolean or a list of them.');
    }
    if (Array.isArray(v)) out.set(k, [texts.join(',')]);
    else out.set(k, texts);
  }
  return out;
}

/** The first value of `name`, or undefined when absent (Werkzeug's `args.get`). */
export function first(params: Params, name: string): string | undefined {
  return params.get(name)?.[0];
}

/** Names in `params` that are not in `known`, in the order they came (D5). */
export function unknownParams(params: Params, known: ReadonlySet<string>): string[] {
  return [...params.keys()].filter((k) => !known.has(k));
}

/**
 * True for a parameter that may be given more than once (D33): the list forms the
 * decisions allow, `__in` lists (D12; Python's `requests` sends a list as repeated
 * keys, `id__in=a&id__in=b`) and `_fields` (D9), whose values are merged.
 */
export function isRepeatableParam(name: string): boolean {
  return name.endsWith('__in') || name === '_fields';
}

/**
 * Names among `known` that `params` carries more than once though they take one value
 * (D33), in the order they came. Unknown parameters are ignored anyway (D5) and not
 * reported here.
 */
export function repeatedParams(params: Params, known: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const [name, values] of params) if (values.length > 1 && known.has(name) && !isRepeatableParam(name)) out.push(name);
  return out;
}

/**
 * Parses an integer parameter in the framework's wording (D6, D7; reference §3.1).
 * @throws CloseError 400 `{"error": "<name> must be an integer (got \"abc\" instead)."}`
 */
export function parseIntParam(name: string, raw: string): number {
  const t = raw.trim();
  if (!/^[+-]?\d+$/.test(t)) throw CloseError.request(`${name} must be an integer (got "${raw}" instead).`);
  return Number(t);
}

/** Paging limits of a resource. */
export interface PageLimits {
  /** Page size when `_limit` is absent. */
  defaultLimit: number;
  /** Largest `_limit` accepted; above it is a 400, not a clamp (D6). */
  maxLimit: number;
}

/** The largest `_skip` passed on to SQL; larger ones mean the same: past the end. */
const MAX_SKIP = 2 ** 50;

/** Page size and offset of a list request (D6, D7). */
export interface Page {
  limit: number;
  skip: number;
}

/**
 * Reads `_limit` and `_skip` (D6, D7).
 * @throws CloseError 400 with the framework's wording for non-integers, `_limit` < 1
 *   or above the maximum, and negative `_skip`.
 */
export function parsePage(params: Params, limits: PageLimits): Page {
  let limit = limits.defaultLimit;
  let skip = 0;
  const rawLimit = first(params, '_limit');
  if (rawLimit !== undefined) {
    limit = parseIntParam('_limit', rawLimit);
    if (limit < 1) throw CloseError.request(`_limit must be a positive integer (got "${rawLimit}" instead).`);
    if (limit > limits.maxLimit) {
      throw CloseError.request(
        `The limit you set is larger than the maximum limit for this resource (max_limit = ${limits.maxLimit}).`,
      );
    }
  }
  const rawSkip = first(params, '_skip');
  if (rawSkip !== undefined) {
    skip = parseIntParam('_skip', rawSkip);
    if (skip < 0) throw CloseError.request(`_skip must be a non-negative integer (got "${rawSkip}" instead).`);
    // D7 sets no maximum: a skip past every row is an empty page. Past 2^50 it stays
    // exact in a JS number and within a 64-bit SQL OFFSET, and no table holds that many rows.
    skip = Math.min(skip, MAX_SKIP);
  }
  return { limit, skip };
}

/**
 * `_fields=a,b,c` (D9): the requested names, or null when absent, empty or `_all`
 * (all fields). Repeated `_fields` parameters are merged. Names are trimmed; unknown
 * names are kept here and simply match nothing when projecting.
 */
export function parseFields(params: Params): ReadonlySet<string> | null {
  const values = params.get('_fields');
  if (!values) return null;
  const names = new Set(
    values
      .flatMap((v) => v.split(','))
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
  // `_all` asks for every field (reference §4); tasks have no hidden optional fields.
  if (!names.size || names.has('_all')) return null;
  return names;
}

/**
 * Keeps only the requested keys of `obj` (D9), in the object's own order; with `fields`
 * null, returns `obj` unchanged. Linear in the object's keys, whatever the number of
 * names asked for.
 */
export function projectFields<T extends Record<string, unknown>>(obj: T, fields: ReadonlySet<string> | null): Record<string, unknown> {
  if (!fields) return obj;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) if (fields.has(key)) out[key] = obj[key];
  return out;
}

/**
 * A boolean filter value (D11): `true/false/1/0` in any case. An empty value means
 * IS NULL (D12) and is returned as null.
 * @returns the boolean, null for empty, or undefined when the text is not a boolean.
 */
export function parseBoolText(raw: string): boolean | null | undefined {
  const t = raw.trim().toLowerCase();
  if (t === '') return null;
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  return undefined;
}

/**
 * Most distinct values one list parameter may carry. Each becomes a bound SQL
 * parameter; SQLite accepts 32766 per statement and PostgreSQL 65535, so past this a
 * query would fail instead of answering.
 */
export const MAX_LIST_ITEMS = 10_000;

/**
 * An `__in` list (D12): every value of the parameter split on commas, items trimmed,
 * empty items and repeats dropped. An empty result matches nothing.
 * @throws CloseError 400 naming `name` when it holds more than `MAX_LIST_ITEMS` values.
 */
export function parseList(values: readonly string[], name = 'list'): string[] {
  const items = [
    ...new Set(
      values
        .flatMap((v) => v.split(','))
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
  if (items.length > MAX_LIST_ITEMS) {
    throw CloseError.field(name, `At most ${MAX_LIST_ITEMS} values are accepted (got ${items.length}).`);
  }
  return items;
}

/** A date filter value (D13), or undefined when unparsable. Empty means IS NULL (null). */
export function parseDateParam(raw: string): CloseDate | null | undefined {
  if (raw.trim() === '') return null;
  return parseCloseDate(raw) ?? undefined;
}

/** Collects field errors while a whole request is checked, then throws them together (D26). */
export class FieldErrors {
  private readonly errors: Record<string, string> = {};

  add(field: string, message: string): void {
    if (!(field in this.errors)) this.errors[field] = message;
  }

  get empty(): boolean {
    return Object.keys(this.errors).length === 0;
  }

  /** @throws CloseError 400 with every collected field error, when there is any. */
  throwIfAny(): void {
    if (!this.empty) throw CloseError.validation({ ...this.errors });
  }
}

export { FIELD_TEXT };
