/**
 * `buildApp(opts)`: the Tasklane HTTP application, separate from `listen` so tests
 * build exactly what production runs (architecture note 4).
 */
import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Db } from '../db/connect.js';
import { systemClock, type Clock } from '../context.js';
import { BODY_LIMIT_BYTES, clientErrorHandler, frameworkErrors, registerBodyParsers, registerErrorHandling } from './http.js';
import { Authenticator } from './auth.js';
import { registerCloseRoutes, type CloseRoute } from './routing.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions } from './ratelimit.js';
import { ListCache } from './listcache.js';
import { DEFAULT_MAX_FRAGMENTS, TaskFragments } from '../tasks/fragments.js';
import { taskRoutes } from './routes/task.js';
import { leadRoutes } from './routes/lead.js';
import { contactRoutes } from './routes/contact.js';
import { userRoutes } from './routes/user.js';
import { registerApiDocs } from './docs.js';
import { eventRoutes } from './routes/event.js';
import { webhookRoutes } from './routes/webhook.js';
import { activityRoutes } from './routes/activity.js';
import { opportunityRoutes } from './routes/opportunity.js';
import { EmulatorClock, ensureEmulatorAccount, registerEmulatorRoutes } from './emulator.js';
import { registerWebPage } from './web.js';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import { Metrics, registerMetrics } from './metrics.js';
import { registerOps, requestIdOf } from './ops.js';
import type { BucketStore } from './ratelimit-store.js';
import { DEFAULT_SERVER_LIMITS, applyServerLimits, fastifyLimitOptions, type ServerLimits } from './limits.js';
import { AuthFailureLimiter, DEFAULT_AUTH_FAILURE_LIMIT, type AuthFailureLimitOptions } from './authlimit.js';
import { DEFAULT_ORG_CONCURRENCY, OrgConcurrency, type OrgConcurrencyOptions } from './fairness.js';

export interface AppOptions {
  db: Db;
  /** The clock every "today" rule reads (D16-D17); tests pin it. */
  clock?: Clock;
  /** D5: refuse unknown query parameters instead of ignoring them. */
  strictParams?: boolean;
  /** D31: rate limits per API key and endpoint group (the organization gets 3x); false turns them off. */
  rateLimit?: RateLimitOptions | false;
  /** Fastify logger option: false for none, true or pino options for JSON logs. */
  logger?: FastifyServerOptions['logger'];
  /** SSRF guard for webhook URLs (env `WEBHOOK_BLOCK_PRIVATE`); off by default. */
  webhookBlockPrivate?: boolean;
  /** The task-list response cache (`listcache.ts`); a new one by default. Tests pass theirs to read its stats. */
  listCache?: ListCache;
  /**
   * Tasks whose JSON text the task list keeps (`tasks/fragments.ts`, SQLite only; env
   * `TASK_CACHE_SIZE`): default `DEFAULT_MAX_FRAGMENTS`, 0 for none.
   */
  taskCacheSize?: number;
  /** A per-task cache to use instead (tests pass theirs to read its stats); null for none. */
  taskFragments?: TaskFragments | null;
  /**
   * Emulator mode (issue 3; `server/emulator.ts`): adds `/__emulator/reset` and a
   * settable clock over `clock`, and makes sure the fixed emulator account exists.
   * Off by default; never for real data (a reset deletes everything).
   */
  emulator?: boolean;
  /** Where D31's buckets live (`ratelimit-store.ts`); default this process's memory. `serve` passes a shared one. */
  rateLimitStore?: BucketStore;
  /** Prometheus metrics at `/metrics` (`metrics.ts`): a new registry by default, false for none. */
  metrics?: Metrics | false;
  /** CORS (env `CORS_ORIGINS`): the origins allowed (`*` for any); empty or absent: no CORS headers. */
  corsOrigins?: readonly string[];
  /** gzip / br responses for clients that accept them (@fastify/compress); default true. */
  compression?: boolean;
  /** Timeouts and connection caps (issue 13; `limits.ts`); the defaults where absent. */
  limits?: Partial<ServerLimits>;
  /** Issue 13: failed authentications per client address (`authlimit.ts`); false turns the limit off. */
  authFailureLimit?: AuthFailureLimitOptions | false;
  /** Issue 13: most concurrent requests of one organization, and how many may wait (`fairness.ts`); false for no cap. */
  orgConcurrency?: OrgConcurrencyOptions | false;
}

/** The package's version (`src/` and `dist/` both sit one folder below the package root). */
export const PACKAGE_VERSION: string = createRequire(import.meta.url)('../../package.json').version;

/** Every Close route Tasklane serves, in one list (router, override dispatch, OpenAPI). */
export const closeRoutes: CloseRoute[] = [...taskRoutes, ...leadRoutes, ...contactRoutes, ...userRoutes, ...activityRoutes, ...opportunityRoutes, ...eventRoutes, ...webhookRoutes];

/** A request URL for logs: the secret of `GET /api_key/{key}/` (D35) replaced by `***`. */
export function redactRequestUrl(url: string): string {
  return url.replace(/(\/api_key\/+)[^/?#]+/i, '$1***');
}

/** Fastify's request log fields, with the URL redacted (`redactRequestUrl`). */
const requestSerializer = (req: FastifyRequest) => ({ method: req.method, url: redactRequestUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort });

/** The logger option with the request serializer that keeps API keys out of logs. */
function loggerOption(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const base = logger === true ? {} : logger;
  return { ...base, serializers: { ...(base as { serializers?: object }).serializers, req: requestSerializer } } as FastifyServerOptions['logger'];
}

/** Builds the app; call `listen` or `inject` on the result. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...opts.limits };
  const app = Fastify({
    ...fastifyLimitOptions(limits),
    logger: loggerOption(opts.logger),
    bodyLimit: BODY_LIMIT_BYTES,
    frameworkErrors,
    clientErrorHandler,
    routerOptions: {
      // Ids are about 50 characters; longer path segments still reach the route (and its 404).
      maxParamLength: 1000,
      // D1: with or without the trailing slash, and with a doubled slash; no redirect.
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      // Close parameters are read from the raw query string by close/params.ts.
      querystringParser: () => ({}),
    },
    // Request ids appear in logs, in `X-Request-Id` and in events (`request_id`): the
    // client's when sane, else Close-like `req_` + 22 base62 (`ops.ts`).
    genReqId: requestIdOf,
    // Shutdown (`app.close()`) closes idle keep-alive connections at once and lets
    // requests in flight finish (`tasklane serve` bounds the wait).
    forceCloseConnections: 'idle',
  });
  registerOps(app, opts.db);
  const metrics = opts.metrics === false ? null : (opts.metrics ?? new Metrics());
  if (metrics) registerMetrics(app, metrics);
  if (opts.compression !== false) await app.register(compress, { encodings: ['br', 'gzip'] });
  if (opts.corsOrigins?.length) {
    await app.register(cors, {
      origin: opts.corsOrigins.includes('*') ? '*' : [...opts.corsOrigins],
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-TZ-Offset', 'X-HTTP-Method-Override', 'X-Request-Id'],
      exposedHeaders: ['RateLimit', 'X-Rate-Limit-Limit', 'X-Rate-Limit-Remaining', 'X-Rate-Limit-Reset', 'Retry-After', 'X-Request-Id', 'X-Ignored-Params'],
      maxAge: 600,
    });
  }
  registerBodyParsers(app);
  registerErrorHandling(app);
  applyServerLimits(app.server, limits);
  let clock = opts.clock ?? systemClock;
  // Issue 13: bad keys cost neither the database nor other organizations.
  const authFailures = opts.authFailureLimit === false ? null : new AuthFailureLimiter(opts.authFailureLimit ?? DEFAULT_AUTH_FAILURE_LIMIT, () => clock());
  const auth = new Authenticator(opts.db, authFailures);
  await auth.start();
  app.addHook('onClose', () => auth.stop());
  if (opts.emulator) {
    const emulatorClock = new EmulatorClock(clock);
    clock = emulatorClock.now;
    await ensureEmulatorAccount(opts.db.kysely, clock());
    registerEmulatorRoutes(app, { db: opts.db, clock: emulatorClock, auth });
  }
  const rateLimiter = opts.rateLimit === false ? null : new RateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT, clock, opts.rateLimitStore);
  const listCache = opts.listCache ?? new ListCache();
  const taskFragments = opts.taskFragments !== undefined ? opts.taskFragments : TaskFragments.for(opts.db, opts.taskCacheSize ?? DEFAULT_MAX_FRAGMENTS);
  if (taskFragments) app.addHook('onClose', async () => taskFragments.close());
  metrics?.watch(opts.db, listCache, rateLimiter?.store ?? null);
  registerCloseRoutes(app, closeRoutes, {
    db: opts.db,
    clock,
    auth,
    strictParams: opts.strictParams ?? false,
    rateLimiter,
    fairness: opts.orgConcurrency === false ? null : new OrgConcurrency(opts.orgConcurrency ?? DEFAULT_ORG_CONCURRENCY),
    settings: { webhookBlockPrivate: opts.webhookBlockPrivate ?? false, listCache, taskFragments },
  });
  // OpenAPI at /api/v1/openapi.json (and /openapi.json), the reference page at /docs (server/docs.ts).
  await registerApiDocs(app, closeRoutes, PACKAGE_VERSION);
  // The inbox page at `/` and its assets (issue 10; server/web.ts).
  await registerWebPage(app);
  return app;
}
