/**
 * Close's webhook event filters (reference §12.3; developer.close.com "Webhook
 * Filters"): a JSON tree evaluated against the whole event object (`user_id`, `data`,
 * `changed_fields`, ...). Pure functions, no HTTP, no SQL.
 *
 * Grammar (each node is an object with a `type`):
 * - `{"type": "equals", "value": V}`: the value is exactly V (deep equality of JSON).
 * - `{"type": "not_equals", "value": V}`: the value is not V.
 * - `{"type": "is_null"}` / `{"type": "non_null"}`: the value is (not) null; a missing
 *   field counts as null.
 * - `{"type": "contains", "value": V}`: the value is a list holding V, or a string
 *   holding the string V.
 * - `{"type": "and"|"or", "filters": [F, ...]}`, `{"type": "not", "filter": F}`.
 * - `{"type": "field_accessor", "field": "name", "filter": F}`: F applied to that field
 *   of the value (null when the value is not an object or lacks the field).
 * - `{"type": "any_array_value", "filter": F}`: the value is a list and F matches one
 *   of its items.
 *
 * Example (a real client's subscription): lead tasks whose text contains "Instantly":
 * `{"type": "field_accessor", "field": "data", "filter": {"type": "field_accessor",
 * "field": "text", "filter": {"type": "contains", "value": "Instantly"}}}`.
 */

export type EventFilter =
  | { type: 'equals'; value: unknown }
  | { type: 'not_equals'; value: unknown }
  | { type: 'is_null' }
  | { type: 'non_null' }
  | { type: 'contains'; value: unknown }
  | { type: 'and'; filters: EventFilter[] }
  | { type: 'or'; filters: EventFilter[] }
  | { type: 'not'; filter: EventFilter }
  | { type: 'field_accessor'; field: string; filter: EventFilter }
  | { type: 'any_array_value'; filter: EventFilter };

/** Deepest nesting accepted; deeper trees are refused (they only cost evaluation time). */
export const MAX_FILTER_DEPTH = 32;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Checks that `raw` is a filter tree of the grammar above.
 * @returns the filter, or a message naming the first fault and where it is
 *   (`filters[1].filter: unknown filter type "foo"`).
 */
export function parseEventFilter(raw: unknown): { filter: EventFilter } | { error: string } {
  const check = (node: unknown, path: string, depth: number): string | null => {
    const at = path ? `${path}: ` : '';
    if (depth > MAX_FILTER_DEPTH) return `${at}filters may nest at most ${MAX_FILTER_DEPTH} levels.`;
    if (!isObject(node)) return `${at}a filter must be an object with a "type".`;
    switch (node.type) {
      case 'equals':
      case 'not_equals':
      case 'contains':
        return 'value' in node ? null : `${at}"${node.type}" needs a "value".`;
      case 'is_null':
      case 'non_null':
        return null;
      case 'and':
      case 'or': {
        if (!Array.isArray(node.filters) || node.filters.length === 0) return `${at}"${node.type}" needs a non-empty "filters" list.`;
        for (let i = 0; i < node.filters.length; i++) {
          const e = check(node.filters[i], `${path ? path + '.' : ''}filters[${i}]`, depth + 1);
          if (e) return e;
        }
        return null;
      }
      case 'field_accessor':
        if (typeof node.field !== 'string' || node.field === '') return `${at}"field_accessor" needs a "field" name.`;
      // falls through: it needs a "filter" too
      case 'not':
      case 'any_array_value':
        if (!('filter' in node)) return `${at}"${node.type}" needs a "filter".`;
        return check(node.filter, `${path ? path + '.' : ''}filter`, depth + 1);
      default:
        return `${at}unknown filter type ${JSON.stringify(node.type)}; use equals, not_equals, is_null, non_null, contains, and, or, not, field_accessor or any_array_value.`;
    }
  };
  const error = check(raw, '', 0);
  return error ? { error } : { filter: raw as EventFilter };
}

/** Deep equality of two JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual((a as any)[k], (b as any)[k]));
}

/** True when `value` (a JSON value; undefined counts as null) satisfies `filter`. */
export function matchesFilter(filter: EventFilter, value: unknown): boolean {
  const v = value === undefined ? null : value;
  switch (filter.type) {
    case 'equals':
      return jsonEqual(v, filter.value);
    case 'not_equals':
      return !jsonEqual(v, filter.value);
    case 'is_null':
      return v === null;
    case 'non_null':
      return v !== null;
    case 'contains':
      if (Array.isArray(v)) return v.some((item) => jsonEqual(item, filter.value));
      if (typeof v === 'string' && typeof filter.value === 'string') return v.includes(filter.value);
      return false;
    case 'and':
      return filter.filters.every((f) => matchesFilter(f, v));
    case 'or':
      return filter.filters.some((f) => matchesFilter(f, v));
    case 'not':
      return !matchesFilter(filter.filter, v);
    case 'field_accessor':
      return matchesFilter(filter.filter, isObject(v) && Object.prototype.hasOwnProperty.call(v, filter.field) ? v[filter.field] : null);
    case 'any_array_value':
      return Array.isArray(v) && v.some((item) => matchesFilter(filter.filter, item));
  }
}
