/**
 * How a Close resource route is served: authentication (D27), the request's zone
 * (D16), parameters from the query string or a body's `_params` (D3), ignored
 * parameters reported or refused (D5), repeated ones refused (D33), `X-HTTP-Method-Override` on POST (D3), and
 * Close's answer for a POST to an object URL (reference §6.2).
 *
 * Routes are declared as data (`CloseRoute`), so the same list drives Fastify's
 * router, the override dispatch and the OpenAPI document.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import type { Clock, RequestContext } from '../context.js';
import type { Db } from '../db/connect.js';
import { CloseError, METHOD_NOT_ALLOWED_TEXT } from '../close/errors.js';
import { paramsFromJson, paramsFromQueryString, parseFields, repeatedParams, unknownParams, type Params } from '../close/params.js';
import { resolveRequestZone } from '../close/zone.js';
import type { Authenticator } from './auth.js';
import { JsonText, type ListCache } from './listcache.js';
import type { TaskFragments } from '../tasks/fragments.js';
import { NUL_TEXT, headerSafe } from './http.js';
import type { OrgConcurrency } from './fairness.js';
import { endpointGroup, rateLimitHeaders, type RateLimiter } from './ratelimit.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a route handler receives. */
export interface CloseCall {
  ctx: RequestContext;
  /** The query parameters, or the body's `_params` when present (D3). */
  params: Params;
  /** The parsed JSON body, or undefined. */
  body: unknown;
  /** The `:id` path segment, when the URL has one. */
  id: string;
  /** `_fields` (D9), or null for all fields. */
  fields: ReadonlySet<string> | null;
  /** Server settings some routes need (read once at boot, see `config.ts`). */
  settings: ServerSettings;
}

/** Server-wide settings a route may read. */
export interface ServerSettings {
  /**
   * SSRF guard (issue 5): refuse webhook URLs whose host is or resolves to a private,
   * loopback or link-local address. Off by default: self-hosted receivers often live on
   * the same network. Env `WEBHOOK_BLOCK_PRIVATE`.
   */
  webhookBlockPrivate: boolean;
  /** Whole task-list responses kept while the database does not change (`listcache.ts`). */
  listCache: ListCache;
  /** Each task's JSON text, kept until the task or a name it shows changes (`tasks/fragments.ts`; SQLite), or null. */
  taskFragments: TaskFragments | null;
}

/** A Close API route. `url` is relative to `/api/v1`. */
export interface CloseRoute {
  method: HttpMethod;
  url: string;
  summary: string;
  /** Query parameters the route understands; others are ignored and reported (D5). */
  knownParams: ReadonlySet<string>;
  /** The body schema, for validation inside the handler and for OpenAPI. */
  body?: TSchema;
  /**
   * The schema of a successful answer (`src/schemas/*-response.ts`), for OpenAPI, the
   * typed client and the test harness, which checks every answer against it. Never
   * given to Fastify's serializer: answers are sent as the handler built them.
   */
  response: TSchema;
  /** OpenAPI `operationId`, when the one derived from method and URL (`operationIdOf`) does not fit. */
  operationId?: string;
  /** Status of a successful answer: 200 unless said (`POST /webhook/` answers 201, reference §6.1). */
  status?: number;
  handler: (call: CloseCall) => Promise<unknown>;
}

export interface RoutingOptions {
  db: Db;
  clock: Clock;
  auth: Authenticator;
  /** D5: refuse unknown query parameters with a 400 instead of ignoring them. */
  strictParams: boolean;
  /** D31: the rate limiter, or null when limits are off. */
  rateLimiter: RateLimiter | null;
  /** Issue 13: the cap on one organization's concurrent requests, or null for none. */
  fairness: OrgConcurrency | null;
  settings: ServerSettings;
}

export const API_PREFIX = '/api/v1';

/**
 * The route serving `method` on `url` (a request URL, with or without `/api/v1`, query
 * string, trailing or doubled slashes), as the router matches it; undefined for none.
 * A POST with `X-HTTP-Method-Override` is served by the route of `method` = the override.
 */
export function findCloseRoute(routes: readonly CloseRoute[], method: string, url: string): CloseRoute | undefined {
  let path = urlPath(url).replace(/\/{2,}/g, '/');
  if (path.startsWith(API_PREFIX + '/')) path = path.slice(API_PREFIX.length);
  if (!path.endsWith('/')) path += '/';
  const segs = path.split('/');
  return routes.find((r) => {
    if (r.method !== method) return false;
    const want = r.url.split('/');
    return want.length === segs.length && want.every((w, i) => (w.startsWith(':') ? segs[i] !== '' : w === segs[i]));
  });
}

function rawQuery(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? '' : url.slice(i + 1);
}

/** The path of a request URL, without its query string (the event log's `meta.request_path`). */
function urlPath(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : url.slice(0, i);
}

/** Reads a route's parameters: the body's `_params` replaces the query string (D3). */
function readParams(request: FastifyRequest): Params {
  const body = request.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && Object.prototype.hasOwnProperty.call(body, '_params')) {
    return paramsFromJson(body._params);
  }
  return paramsFromQueryString(rawQuery(request.url));
}

async function serve(route: CloseRoute, opts: RoutingOptions, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  // A RateLimitError (429) from any of these gets Close's headers in the error handler (http.ts).
  const principal = await opts.auth.authenticate(request.headers.authorization, request.ip);
  if (opts.rateLimiter) {
    reply.headers(rateLimitHeaders(await opts.rateLimiter.hit(principal.apiKeyId, principal.organizationId, endpointGroup(route.method, request.url))));
  }
  const zone = resolveRequestZone(request.headers['x-tz-offset'], principal.timezone);
  const params = readParams(request);
  // PostgreSQL cannot compare text with a NUL character in it (issue 13): refused on every backend.
  for (const [name, values] of params) {
    if (name.includes('\0') || values.some((v) => v.includes('\0'))) throw CloseError.field(headerSafe(name), NUL_TEXT);
  }
  const ignored = unknownParams(params, route.knownParams);
  if (ignored.length) {
    if (opts.strictParams) {
      throw CloseError.validation(Object.fromEntries(ignored.map((n) => [n, 'Unknown parameter.'])));
    }
    // Names come from the URL: made safe for a header (a control character or a
    // character above U+00FF would otherwise fail the response after the write).
    reply.header('X-Ignored-Params', ignored.map(headerSafe).join(','));
  }
  // D33: a parameter that takes one value, given twice, is a client bug; picking one hides it.
  const repeated = repeatedParams(params, route.knownParams);
  if (repeated.length) {
    throw CloseError.validation(Object.fromEntries(repeated.map((n) => [n, `Given ${params.get(n)!.length} times; give it once (only __in lists and _fields may repeat).`])));
  }
  // One instant for the whole request, so every rule in it agrees on "now".
  const requestTime = opts.clock();
  const ctx: RequestContext = {
    db: opts.db,
    organizationId: principal.organizationId,
    userId: principal.userId,
    apiKeyId: principal.apiKeyId,
    zone,
    now: () => requestTime,
    requestId: request.id,
    requestMethod: route.method,
    requestPath: urlPath(request.url),
  };
  const id = (request.params as { id?: string } | undefined)?.id ?? '';
  if (id.includes('\0')) throw CloseError.request(NUL_TEXT);
  if (route.status) reply.code(route.status);
  const release = opts.fairness ? await opts.fairness.enter(principal.organizationId) : () => {};
  let result: unknown;
  try {
    const call = () => route.handler({ ctx, params, body: request.body, id, fields: parseFields(params), settings: opts.settings });
    // A Close request writes only its own organization's rows: counted for it alone, so
    // other organizations' cached pages stay valid (db/changes.ts).
    result = await (opts.db.scopeWrites ? opts.db.scopeWrites(principal.organizationId, call) : call());
  } finally {
    release();
  }
  if (result instanceof JsonText) return reply.type('application/json; charset=utf-8').send(result.text);
  return result;
}

/**
 * Registers Close routes on `app` under `/api/v1`. For every URL, a POST carrying
 * `X-HTTP-Method-Override: GET|PUT|DELETE` is served by that method's route (D3);
 * a plain POST to a URL without a POST route answers as Close's framework does.
 */
export function registerCloseRoutes(app: FastifyInstance, routes: CloseRoute[], opts: RoutingOptions): void {
  const byUrl = new Map<string, Map<HttpMethod, CloseRoute>>();
  for (const r of routes) {
    const m = byUrl.get(r.url) ?? new Map<HttpMethod, CloseRoute>();
    m.set(r.method, r);
    byUrl.set(r.url, m);
  }
  for (const [url, methods] of byUrl) {
    const fullUrl = API_PREFIX + url;
    // RFC 9110 §15.5.6: a 405 names the methods the URL takes (HEAD with GET: Fastify serves it).
    const allow = (['GET', 'HEAD', 'POST', 'PUT', 'DELETE'] as const).filter((m) => methods.has((m === 'HEAD' ? 'GET' : m) as HttpMethod)).join(', ');
    const notAllowed = (reply: FastifyReply) => {
      reply.header('Allow', allow);
      return CloseError.request(METHOD_NOT_ALLOWED_TEXT, 405);
    };
    for (const [method, route] of methods) {
      if (method === 'POST') continue;
      app.route({ method, url: fullUrl, handler: (req, reply) => serve(route, opts, req, reply) });
    }
    // A known URL asked with a method it does not take: 405, as Close's framework answers.
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const) {
      if (methods.has(method as HttpMethod)) continue;
      app.route({
        method,
        url: fullUrl,
        handler: async (_req, reply) => {
          throw notAllowed(reply);
        },
      });
    }
    const post = methods.get('POST');
    app.route({
      method: 'POST',
      url: fullUrl,
      handler: async (req, reply) => {
        const override = req.headers['x-http-method-override'];
        const wanted = (Array.isArray(override) ? override[0] : override)?.trim().toUpperCase();
        if (wanted && wanted !== 'POST') {
          const target = methods.get(wanted as HttpMethod);
          if (!target) throw notAllowed(reply);
          return serve(target, opts, req, reply);
        }
        if (post) return serve(post, opts, req, reply);
        if (methods.has('PUT')) throw CloseError.request('Did you mean to use PUT?', 404);
        throw notAllowed(reply);
      },
    });
  }
}
