/**
 * The OpenAPI 3.1 document of the Close routes Tasklane serves (issue 11), built from
 * the same route list, body schemas and response schemas that drive routing,
 * validation and the test harness's contract check (architecture note 1), so it
 * cannot drift from what the server does. Served at `GET /api/v1/openapi.json` (and
 * `/openapi.json`); `npm run openapi` writes it to `openapi.json` at the package root,
 * from which `src/client/schema.d.ts` is generated.
 *
 * Shared schemas (those with an `$id`, e.g. `Task`, `Lead`, `Error`) are listed once
 * under `components/schemas` and referred to with `$ref`.
 */
import type { TSchema } from 'typebox';
import { ErrorResponse } from '../schemas/response.js';
import type { CloseRoute } from './routing.js';
import { API_PREFIX } from './routing.js';

type Json = Record<string, unknown>;

/**
 * The operationId of a route: `list`, `get`, `create`, `update`, `bulkUpdate` or
 * `delete` + the URL's resource in PascalCase (`GET /task/` is `listTask`, `PUT /task/`
 * `bulkUpdateTask`, `GET /activity/call/{id}/` `getActivityCall`), unless the route names its own.
 */
export function operationIdOf(route: CloseRoute): string {
  if (route.operationId) return route.operationId;
  const resource = route.url
    .split('/')
    .filter((s) => s && !s.startsWith(':'))
    .flatMap((s) => s.split('_'))
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
  const one = route.url.includes(':id');
  const verb = { GET: one ? 'get' : 'list', POST: 'create', PUT: one ? 'update' : 'bulkUpdate', DELETE: 'delete' }[route.method];
  return verb + resource;
}

/** The tag of a route: its resource family (`Tasks`, `Leads`, `Activities`, `Users`...). */
function tagOf(route: CloseRoute): string {
  const head = route.url.split('/')[1];
  const tags: Record<string, string> = {
    task: 'Tasks',
    lead: 'Leads',
    contact: 'Contacts',
    opportunity: 'Opportunities',
    activity: 'Activities',
    event: 'Events',
    webhook: 'Webhooks',
  };
  return tags[head] ?? 'Users and organization';
}

const TAGS = [
  { name: 'Tasks', description: 'Tasks of the nine `_type`s (reference §9-§10; D8-D24, D34)' },
  { name: 'Leads', description: 'Leads, with their contacts, open tasks and opportunities (reference §13.4)' },
  { name: 'Contacts', description: 'The people of a lead (reference §13.5)' },
  { name: 'Opportunities', description: 'Opportunities; each open one with a date has an `opportunity_due` task (D29)' },
  { name: 'Activities', description: 'Calls, emails, threads, SMS and TaskCompleted activities; some make or complete tasks (D29, D30)' },
  { name: 'Events', description: 'The organization event log, 30 days (reference §12.1)' },
  { name: 'Webhooks', description: 'Webhook subscriptions (reference §12.3)' },
  { name: 'Users and organization', description: 'The caller, users, the organization and API keys (reference §13.1-§13.3; D35)' },
];

/**
 * A JSON copy of `schema` in which every shared schema (one with an `$id`) below the
 * top is replaced by a `$ref` to `components`, which collects it (itself converted) once.
 */
function toOpenApi(schema: unknown, components: Record<string, Json>, top = true): unknown {
  if (Array.isArray(schema)) return schema.map((s) => toOpenApi(s, components, false));
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Json;
  const id = typeof s.$id === 'string' ? s.$id : undefined;
  if (id && !top) {
    if (!(id in components)) {
      components[id] = {}; // placed first: a schema that contains itself stops here
      components[id] = toOpenApi(s, components, true) as Json;
    }
    return { $ref: `#/components/schemas/${id}` };
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) if (k !== '$id') out[k] = toOpenApi(v, components, false);
  return out;
}

/** `schema` as a `$ref` (shared) or inline, collecting components. */
function ref(schema: TSchema, components: Record<string, Json>): unknown {
  return toOpenApi(schema, components, false);
}

const INTEGER_PARAMS: ReadonlySet<string> = new Set(['_limit', '_skip']);
const PARAM_TEXT: Record<string, string> = {
  _limit: 'page size (D6)',
  _skip: 'offset of the page (D7)',
  _fields: 'comma-separated keys to return (D9)',
  _cursor: 'cursor_next or cursor_previous of an earlier page',
};

const RATE_HEADERS = {
  RateLimit: { description: 'limit=N, remaining=N, reset=SECONDS (D31)', schema: { type: 'string' } },
  'X-Rate-Limit-Limit': { schema: { type: 'integer' } },
  'X-Rate-Limit-Remaining': { schema: { type: 'integer' } },
  'X-Rate-Limit-Reset': { description: 'seconds until the window resets', schema: { type: 'integer' } },
};

/** A query parameter of a route (paging ones are integers, D6, D7). */
function queryParam(name: string): Json {
  const schema = INTEGER_PARAMS.has(name) ? { type: 'integer', minimum: name === '_skip' ? 0 : 1 } : { type: 'string' };
  return { name, in: 'query', required: false, ...(PARAM_TEXT[name] ? { description: PARAM_TEXT[name] } : {}), schema };
}

const ZONE_HEADER = { name: 'X-TZ-Offset', in: 'header', required: false, description: 'UTC offset in hours of the request zone (D16)', schema: { type: 'string' } };

/** `components/responses`: Close's error answers. */
const ERROR_RESPONSES: Record<string, string> = {
  '400': 'Bad request: a bad parameter or body (D26)',
  '401': 'Missing or unknown API key',
  '404': 'No such object in your organization (D26)',
  '429': 'Rate limited (D31)',
};

/** The OpenAPI 3.1 document for `routes`; `version` is the package's. */
export function buildOpenApi(routes: readonly CloseRoute[], version: string): Json {
  const components: Record<string, Json> = {};
  const error = ref(ErrorResponse, components);
  const rateHeaders = Object.fromEntries(Object.keys(RATE_HEADERS).map((h) => [h, { $ref: `#/components/headers/${h}` }]));
  const responses: Json = {};
  for (const [code, description] of Object.entries(ERROR_RESPONSES)) {
    const headers = code === '429' ? { ...rateHeaders, 'Retry-After': { $ref: '#/components/headers/Retry-After' } } : undefined;
    responses[`Error${code}`] = { description, ...(headers ? { headers } : {}), content: { 'application/json': { schema: error } } };
  }
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([a-z_]+)/g, '{$1}');
    const op: Json = {
      operationId: operationIdOf(r),
      summary: r.summary,
      tags: [tagOf(r)],
      parameters: [
        ...(r.url.includes(':id') ? [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] : []),
        ...[...r.knownParams].map(queryParam),
        ZONE_HEADER,
      ],
      responses: {
        [String(r.status ?? 200)]: { description: 'Success', headers: rateHeaders, content: { 'application/json': { schema: ref(r.response, components) } } },
        ...Object.fromEntries(Object.keys(ERROR_RESPONSES).map((code) => [code, { $ref: `#/components/responses/Error${code}` }])),
      },
    };
    if (r.body) op.requestBody = { required: false, content: { 'application/json': { schema: ref(r.body, components) } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tasklane: the Close Tasks API',
      version,
      description:
        'The Close CRM Tasks API as Tasklane serves it: Close paths, parameters, JSON shapes, errors and headers. ' +
        'Authenticate with an API key as the Basic-auth user name and an empty password. ' +
        'A POST with `X-HTTP-Method-Override: GET|PUT|DELETE` is served as that method (D3); ' +
        'a method a URL does not take answers 405 in the error shape.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: API_PREFIX, description: 'this Tasklane server' }],
    security: [{ basic: [] }, { bearer: [] }],
    tags: TAGS,
    paths,
    components: {
      securitySchemes: {
        basic: { type: 'http', scheme: 'basic', description: 'API key as the user name, empty password' },
        bearer: { type: 'http', scheme: 'bearer', description: 'API key as the token' },
      },
      headers: { ...RATE_HEADERS, 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } },
      responses,
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}

/** The committed form of a document (`openapi.json` at the package root): 2-space JSON and a final newline. */
export function openApiFileText(document: Json): string {
  return JSON.stringify(document, null, 2) + '\n';
}
