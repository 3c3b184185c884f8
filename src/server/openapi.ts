/**
 * The OpenAPI 3.1 document of the Close routes Tasklane serves, built from the same
 * route list and body schemas that drive routing and validation (architecture note 1),
 * so it cannot drift from what the server does. Served at `GET /openapi.json`.
 */
import type { CloseRoute } from './routing.js';
import { API_PREFIX } from './routing.js';

const ERROR_SCHEMA = {
  type: 'object',
  description: 'Close error body: {"error": "..."} or {"errors": [...], "field-errors": {...}}',
};

/** The OpenAPI document for `routes`. */
export function buildOpenApi(routes: CloseRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = API_PREFIX + r.url.replace(/:([a-z_]+)/g, '{$1}');
    const op: Record<string, unknown> = {
      summary: r.summary,
      parameters: [
        ...(r.url.includes(':id') ? [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] : []),
        ...[...r.knownParams].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
        { name: 'X-TZ-Offset', in: 'header', required: false, description: 'UTC offset in hours (D16)', schema: { type: 'string' } },
      ],
      responses: {
        '200': { description: 'Success', content: { 'application/json': { schema: { type: 'object' } } } },
        '400': { description: 'Bad request', content: { 'application/json': { schema: ERROR_SCHEMA } } },
        '401': { description: 'Missing or unknown API key', content: { 'application/json': { schema: ERROR_SCHEMA } } },
        '404': { description: 'No such object in your organization', content: { 'application/json': { schema: ERROR_SCHEMA } } },
        '429': { description: 'Rate limited (D31)', content: { 'application/json': { schema: ERROR_SCHEMA } } },
      },
      security: [{ basic: [] }, { bearer: [] }],
    };
    if (r.body) op.requestBody = { required: false, content: { 'application/json': { schema: r.body } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Tasklane: the Close Tasks API', version },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        basic: { type: 'http', scheme: 'basic', description: 'API key as the user name, empty password' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
    },
    paths,
  };
}
