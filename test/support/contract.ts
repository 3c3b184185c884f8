/**
 * The contract check of the test harness (issue 8 item 5): every answer a test gets
 * from a Close route is checked against that route's response schema (2xx) or Close's
 * error schema (4xx), so the schemas that feed OpenAPI and the typed client cannot
 * drift from what the server sends. With `_fields` (D9) an answer holds some keys of
 * each object: it is checked against the schema with every key optional.
 */
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { closeRoutes } from '../../src/server/app.js';
import { API_PREFIX, findCloseRoute } from '../../src/server/routing.js';
import { paramsFromQueryString, parseFields } from '../../src/close/params.js';
import { ErrorResponse } from '../../src/schemas/response.js';

type Schema = Record<string, unknown> & { anyOf?: Schema[]; properties?: Record<string, Schema>; items?: Schema };

/** `s` with every key of its objects optional, through unions (a `_fields` projection of one object). */
function optionalKeys(s: Schema): Schema {
  if (s.anyOf) return { ...s, anyOf: s.anyOf.map(optionalKeys) };
  if (s.type === 'object') return { ...s, required: [] };
  return s;
}

/** The schema of an answer given `_fields`: a list's items, or the object itself, with optional keys. */
function projected(s: Schema): Schema {
  const data = s.properties?.data;
  if (data?.items) return { ...s, properties: { ...s.properties, data: { ...data, items: optionalKeys(data.items) } } };
  return optionalKeys(s);
}

const compiled = new Map<unknown, ReturnType<typeof Compile>>();
function checker(schema: TSchema, key: unknown = schema) {
  let c = compiled.get(key);
  if (!c) {
    c = Compile(schema);
    compiled.set(key, c);
  }
  return c;
}
const projectedSchemas = new WeakMap<TSchema, TSchema>();

/** The `_fields` of a request: from the body's `_params` when it has them (D3), else the query string. */
function fieldsOf(url: string, body: unknown): ReadonlySet<string> | null {
  if (body && typeof body === 'object' && '_params' in body) {
    const p = (body as { _params: unknown })._params;
    if (p && typeof p === 'object' && '_fields' in p) return new Set(String((p as { _fields: unknown })._fields).split(','));
    return null;
  }
  const i = url.indexOf('?');
  return parseFields(paramsFromQueryString(i < 0 ? '' : url.slice(i + 1)));
}

/**
 * Checks one answer. @throws Error naming the route, the status and the first
 * mismatches when the body does not fit its schema.
 */
export function checkContract(req: { method: string; url: string; headers: Record<string, string>; body?: unknown }, res: { status: number; body: unknown; contentType: string }): void {
  const path = req.url.replace(/^\/{2,}/, '/');
  if (!path.startsWith(API_PREFIX + '/') && path !== API_PREFIX) return;
  if (!String(res.contentType).startsWith('application/json')) return;
  const override = req.method.toUpperCase() === 'POST' ? req.headers['x-http-method-override'] ?? req.headers['X-HTTP-Method-Override'] : undefined;
  const method = (override?.trim() || req.method).toUpperCase();
  let schema: TSchema;
  let label: string;
  if (res.status >= 200 && res.status < 300) {
    const route = findCloseRoute(closeRoutes, method, path);
    if (!route) return;
    label = `${route.method} ${route.url}`;
    schema = route.response;
    if (fieldsOf(req.url, req.body)) {
      let p = projectedSchemas.get(schema);
      if (!p) projectedSchemas.set(schema, (p = projected(schema as unknown as Schema) as unknown as TSchema));
      schema = p;
    }
  } else if (res.status >= 400 && res.status < 500) {
    label = `error ${res.status}`;
    schema = ErrorResponse;
  } else return;
  const c = checker(schema);
  if (c.Check(res.body)) return;
  const errors = [...c.Errors(res.body)].slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
  throw new Error(`response of ${req.method} ${req.url} (${label}, ${res.status}) does not fit its schema: ${errors.join('; ')}\nbody: ${JSON.stringify(res.body).slice(0, 2000)}`);
}
