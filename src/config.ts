/**
 * Configuration read once at boot from the environment, checked, and documented
 * (architecture note 6). Command-line flags override these values.
 *
 * | variable        | meaning                                   | default               |
 * |-----------------|-------------------------------------------|-----------------------|
 * | DATABASE_URL    | SQLite file path (or `sqlite:PATH`), `postgres://...`, or `pglite:[PATH]` | ./data/tasklane.db |
 * | DATABASE_POOL_MAX | most PostgreSQL connections per process  | 10                    |
 * | PORT            | port `serve` listens on                    | 8787                  |
 * | HOST            | address `serve` binds                      | 127.0.0.1             |
 * | LOG_LEVEL       | pino level: fatal..trace, or silent        | info                  |
 * | STRICT_PARAMS   | `1`/`true`: unknown query parameters 400 (D5) | false              |
 * | RATE_LIMIT_PER_KEY | requests per key and endpoint group per window, 0 = off (D31) | 600 |
 * | RATE_LIMIT_WINDOW  | the window, in seconds (D31)                 | 8                  |
 * | WEBHOOK_BLOCK_PRIVATE | `true`: refuse webhook targets on private, loopback or link-local addresses (SSRF guard) | false |
 * | WEBHOOK_TIMEOUT_SECONDS | longest wait for one webhook receiver | 10 |
 * | WEBHOOK_RETRY_MIN_SECONDS | first retry delay of a failed delivery; doubles up to 20 minutes | 10 |
 * | REDIS_URL       | Redis for shared rate-limit buckets (D31), `redis://host:port` | none |
 * | RATE_LIMIT_STORE | `auto`, `redis`, `database` or `memory` (see `rateLimitStore`) | auto |
 * | CORS_ORIGINS    | comma-separated allowed origins, `*` for any; empty: CORS off | empty |
 * | METRICS         | `false`: no `/metrics` | true |
 * | COMPRESSION     | `false`: no gzip/br responses | true |
 * | SHUTDOWN_TIMEOUT_SECONDS | longest wait on SIGTERM/SIGINT for requests and webhook attempts in flight | 10 |
 * | REQUEST_TIMEOUT_SECONDS | longest time to receive a whole request (408 past it; issue 13) | 30 |
 * | HEADERS_TIMEOUT_SECONDS | longest time to receive the headers | 10 |
 * | IDLE_TIMEOUT_SECONDS | a socket silent this long is closed | 60 |
 * | KEEP_ALIVE_TIMEOUT_SECONDS | an idle keep-alive connection is closed after this | 72 |
 * | MAX_REQUESTS_PER_SOCKET | requests one connection may carry | 10000 |
 * | MAX_CONNECTIONS | most open connections; more are closed at once | 1000 |
 * | AUTH_FAILURES_PER_MINUTE | failed authentications one client address may make per minute, 0 = no limit (`server/authlimit.ts`) | 20 |
 * | ORG_MAX_CONCURRENT | requests of one organization served at once, 0 = no cap (`server/fairness.ts`) | 8 |
 * | ORG_MAX_QUEUED | requests of one organization waiting for a turn; more answer 429 | 200 |
 * | TASK_CACHE_SIZE | tasks whose JSON text the task list keeps (SQLite, `tasks/fragments.ts`), 0 = off | 10000 |
 * | HEAP_GROWING_PERCENT | how far V8 lets the heap grow past what a full collection kept, in %, for `serve`; 0 = V8's own rule | 30 |
 * (The reasons for each default are beside them in `server/limits.ts`, `authlimit.ts`, `fairness.ts`.)
 */
import { DEFAULT_DB_PATH, checkDatabaseUrl } from './db/url.js';
import { DEFAULT_RATE_LIMIT, type RateLimitOptions } from './server/ratelimit.js';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from './server/limits.js';
import { DEFAULT_AUTH_FAILURE_LIMIT, type AuthFailureLimitOptions } from './server/authlimit.js';
import { DEFAULT_ORG_CONCURRENCY, type OrgConcurrencyOptions } from './server/fairness.js';
import { DEFAULT_MAX_FRAGMENTS } from './tasks/fragments.js';

export interface Config {
  databaseUrl: string;
  /** Most connections one process opens to a PostgreSQL server (issue 4). */
  databasePoolMax: number;
  port: number;
  host: string;
  logLevel: string;
  strictParams: boolean;
  /** D31 limits, or false when RATE_LIMIT_PER_KEY is 0. */
  rateLimit: RateLimitOptions | false;
  /** SSRF guard for webhooks (issue 5); off by default, receivers often share the network. */
  webhookBlockPrivate: boolean;
  /** Per-delivery timeout, ms. */
  webhookTimeoutMs: number;
  /** First retry delay of a failed delivery, ms (then doubled, capped at 20 minutes). */
  webhookRetryMinMs: number;
  /** Redis URL for shared rate-limit buckets, or null. */
  redisUrl: string | null;
  /**
   * Where rate-limit buckets live. `auto`: Redis when `REDIS_URL` is set (the database
   * while Redis is down), else the database on PostgreSQL (several nodes), else memory
   * (SQLite and PGlite serve from one process).
   */
  rateLimitStore: 'auto' | 'redis' | 'database' | 'memory';
  /** Origins allowed by CORS; empty: CORS off. */
  corsOrigins: string[];
  metrics: boolean;
  compression: boolean;
  /** Longest graceful-shutdown wait, ms. */
  shutdownTimeoutMs: number;
  /** HTTP timeouts and connection caps (issue 13). */
  limits: ServerLimits;
  /** Failed authentications per client address (issue 13), or false for no limit. */
  authFailureLimit: AuthFailureLimitOptions | false;
  /** One organization's concurrent requests (issue 13), or false for no cap. */
  orgConcurrency: OrgConcurrencyOptions | false;
  /** Tasks whose JSON text the list keeps (issue 12, `tasks/fragments.ts`); 0: none. */
  taskCacheSize: number;
  /**
   * V8's `--heap-growing-percent` for `serve` (issue 12, memory): V8's own rule lets the
   * heap grow to 1.1-4x what the last full collection kept, most of it garbage under a
   * steady load of pages; 30 holds the serving process's anonymous memory near 200-230
   * MB at 1,000,000 tasks (275-380 MB otherwise) at no measured cost in CPU. 0: V8's rule.
   */
  heapGrowingPercent: number;
}

/** A boolean that defaults to true (`false`/`0` turns it off). */
function boolOn(env: NodeJS.ProcessEnv, name: string): boolean {
  return env[name] === undefined || env[name] === '' ? true : bool(env, name);
}

const STORES = ['auto', 'redis', 'database', 'memory'] as const;

function bool(env: NodeJS.ProcessEnv, name: string): boolean {
  const v = (env[name] ?? '').toLowerCase();
  if (!['', '0', '1', 'true', 'false'].includes(v)) throw new Error(`${name} must be true or false (got "${env[name]}")`);
  return v === '1' || v === 'true';
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number of seconds (got "${raw}")`);
  return Math.round(n * 1000);
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number, at least ${min} (got "${raw}")`);
  return n;
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * Reads the configuration from `env`.
 * @throws Error naming the variable when a value is malformed (fail fast at boot).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = env.PORT === undefined || env.PORT === '' ? 8787 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number (got "${env.PORT}")`);
  const poolMax = env.DATABASE_POOL_MAX === undefined || env.DATABASE_POOL_MAX === '' ? 10 : Number(env.DATABASE_POOL_MAX);
  if (!Number.isInteger(poolMax) || poolMax < 1) throw new Error(`DATABASE_POOL_MAX must be a whole number of connections, at least 1 (got "${env.DATABASE_POOL_MAX}")`);
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LEVELS.has(logLevel)) throw new Error(`LOG_LEVEL must be one of ${[...LEVELS].join(', ')} (got "${logLevel}")`);
  const perKey = env.RATE_LIMIT_PER_KEY ? Number(env.RATE_LIMIT_PER_KEY) : DEFAULT_RATE_LIMIT.perKey;
  if (!Number.isInteger(perKey) || perKey < 0) throw new Error(`RATE_LIMIT_PER_KEY must be a whole number, 0 for no limit (got "${env.RATE_LIMIT_PER_KEY}")`);
  const windowSeconds = env.RATE_LIMIT_WINDOW ? Number(env.RATE_LIMIT_WINDOW) : DEFAULT_RATE_LIMIT.windowSeconds;
  if (!(windowSeconds > 0)) throw new Error(`RATE_LIMIT_WINDOW must be a positive number of seconds (got "${env.RATE_LIMIT_WINDOW}")`);
  const store = (env.RATE_LIMIT_STORE || 'auto') as Config['rateLimitStore'];
  if (!STORES.includes(store)) throw new Error(`RATE_LIMIT_STORE must be one of ${STORES.join(', ')} (got "${env.RATE_LIMIT_STORE}")`);
  if (store === 'redis' && !env.REDIS_URL) throw new Error('RATE_LIMIT_STORE=redis needs REDIS_URL');
  if (env.REDIS_URL && !/^rediss?:\/\//.test(env.REDIS_URL)) throw new Error(`REDIS_URL must start with redis:// or rediss:// (got "${env.REDIS_URL}")`);
  const authFailures = count(env, 'AUTH_FAILURES_PER_MINUTE', DEFAULT_AUTH_FAILURE_LIMIT.failures, 0);
  const orgMax = count(env, 'ORG_MAX_CONCURRENT', DEFAULT_ORG_CONCURRENCY.maxConcurrent, 0);
  if (env.DATABASE_URL) {
    try {
      checkDatabaseUrl(env.DATABASE_URL);
    } catch (e) {
      throw new Error(`DATABASE_URL: ${(e as Error).message}`);
    }
  }
  return {
    rateLimit: perKey === 0 ? false : { perKey, windowSeconds },
    databaseUrl: env.DATABASE_URL || DEFAULT_DB_PATH,
    databasePoolMax: poolMax,
    port,
    host: env.HOST || '127.0.0.1',
    logLevel,
    strictParams: bool(env, 'STRICT_PARAMS'),
    webhookBlockPrivate: bool(env, 'WEBHOOK_BLOCK_PRIVATE'),
    webhookTimeoutMs: seconds(env, 'WEBHOOK_TIMEOUT_SECONDS', 10),
    webhookRetryMinMs: seconds(env, 'WEBHOOK_RETRY_MIN_SECONDS', 10),
    redisUrl: env.REDIS_URL || null,
    rateLimitStore: store,
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    metrics: boolOn(env, 'METRICS'),
    compression: boolOn(env, 'COMPRESSION'),
    shutdownTimeoutMs: seconds(env, 'SHUTDOWN_TIMEOUT_SECONDS', 10),
    limits: {
      requestTimeoutMs: seconds(env, 'REQUEST_TIMEOUT_SECONDS', DEFAULT_SERVER_LIMITS.requestTimeoutMs / 1000),
      headersTimeoutMs: seconds(env, 'HEADERS_TIMEOUT_SECONDS', DEFAULT_SERVER_LIMITS.headersTimeoutMs / 1000),
      idleTimeoutMs: seconds(env, 'IDLE_TIMEOUT_SECONDS', DEFAULT_SERVER_LIMITS.idleTimeoutMs / 1000),
      keepAliveTimeoutMs: seconds(env, 'KEEP_ALIVE_TIMEOUT_SECONDS', DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs / 1000),
      maxRequestsPerSocket: count(env, 'MAX_REQUESTS_PER_SOCKET', DEFAULT_SERVER_LIMITS.maxRequestsPerSocket),
      maxConnections: count(env, 'MAX_CONNECTIONS', DEFAULT_SERVER_LIMITS.maxConnections),
    },
    authFailureLimit: authFailures === 0 ? false : { ...DEFAULT_AUTH_FAILURE_LIMIT, failures: authFailures },
    orgConcurrency: orgMax === 0 ? false : { maxConcurrent: orgMax, maxQueued: count(env, 'ORG_MAX_QUEUED', DEFAULT_ORG_CONCURRENCY.maxQueued, 0) },
    taskCacheSize: count(env, 'TASK_CACHE_SIZE', DEFAULT_MAX_FRAGMENTS, 0),
    heapGrowingPercent: count(env, 'HEAP_GROWING_PERCENT', 30, 0),
  };
}
