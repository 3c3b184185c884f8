/**
 * `tasklane serve` (the API, the webhook delivery worker and the event prune; with
 * `--emulator` the emulator routes) and `tasklane migrate`.
 */
import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import type { Db } from '../db/connect.js';
import { dbOption, open, parsePort, print, type CliContext } from './shared.js';

/**
 * Starts the HTTP server on `db` and resolves once it listens; also starts the webhook
 * delivery worker and the hourly prune of events older than 30 days (issue 5). With
 * `emulator`, adds the emulator routes and prints its key and a warning (issue 3).
 */
export async function serve(cli: CliContext, db: Db, host: string, port: number, strictParams: boolean, emulator = false): Promise<void> {
  const { buildApp } = await import('../server/app.js');
  const { Metrics } = await import('../server/metrics.js');
  const { startDeliveryWorker } = await import('../events/delivery.js');
  const { startEventPruning } = await import('../events/eventlog.js');
  const { EMULATOR } = await import('../server/emulator.js');
  const { config } = cli;
  if (config.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
  const logger = config.logLevel === 'silent' ? false : { level: config.logLevel };
  // The bucket store needs a logger before the app exists: pino, as Fastify's.
  const { pino } = await import('pino');
  const log = logger ? pino(logger) : pino({ level: 'silent' });
  const store = config.rateLimit === false ? undefined : await rateLimitStore(cli, db, log);
  const metrics = config.metrics ? new Metrics() : false;
  const app = await buildApp({
    db,
    strictParams,
    emulator,
    rateLimit: config.rateLimit,
    rateLimitStore: store,
    metrics,
    corsOrigins: config.corsOrigins,
    compression: config.compression,
    webhookBlockPrivate: config.webhookBlockPrivate,
    limits: config.limits,
    authFailureLimit: config.authFailureLimit,
    orgConcurrency: config.orgConcurrency,
    taskCacheSize: config.taskCacheSize,
    logger,
  });
  const worker = startDeliveryWorker(db, {
    timeoutMs: config.webhookTimeoutMs,
    retryMinMs: config.webhookRetryMinMs,
    blockPrivate: config.webhookBlockPrivate,
    logger: app.log,
    onPass: metrics ? (stats) => metrics.recordDeliveries(stats) : undefined,
  });
  const pruning = startEventPruning(db, { logger: app.log });
  // SQLite: WAL checkpoints in a worker thread, not inside the requests that write (issue 12).
  const stopCheckpoints = db.startBackgroundCheckpoints?.((message) => app.log.warn({ err: message }, 'background WAL checkpoint failed; the next is tried'));
  // Graceful shutdown (issue 11): stop accepting, let requests and webhook attempts in
  // flight finish for at most SHUTDOWN_TIMEOUT_SECONDS, then close what is left, close
  // the database and exit 0. A second signal ends the process at once.
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal, timeout_ms: config.shutdownTimeoutMs }, 'shutting down: finishing requests and webhook attempts in flight');
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      app.log.warn('shutdown: still busy after the timeout; closing the remaining connections');
      app.server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    const bounded = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, config.shutdownTimeoutMs + 1000).unref())]);
    await bounded(Promise.all([app.close(), worker.stop(), pruning.stop()]));
    clearTimeout(timer);
    await store?.close();
    await stopCheckpoints?.();
    await db.close();
    app.log.info({ timed_out: timedOut }, 'shut down');
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const address = await app.listen({ host, port });
  process.stderr.write(`tasklane listening on ${address} (database ${db.location})\n`);
  if (emulator) {
    process.stderr.write(
      [
        'WARNING: emulator mode. POST /__emulator/reset deletes every record of this database and the',
        'clock can be moved by anyone who can reach the port. Never use it with real data or expose it.',
        `Emulator API key: ${EMULATOR.apiKey}  (organization ${EMULATOR.organizationId}, user ${EMULATOR.userId})`,
        `  curl -u ${EMULATOR.apiKey}: ${address}/api/v1/me/`,
        `  curl -X POST ${address}/__emulator/reset`,
        `  curl -X PUT -H 'Content-Type: application/json' -d '{"now": "2026-01-01T09:00:00Z"}' ${address}/__emulator/clock`,
        '',
      ].join('\n'),
    );
  }
}

/**
 * The store of D31's buckets for `config.rateLimitStore` (`auto`: Redis when REDIS_URL
 * is set, falling back to the database while it is down; else the database on a
 * PostgreSQL server; else memory).
 */
async function rateLimitStore(cli: CliContext, db: Db, log: import('pino').Logger) {
  const { DatabaseBucketStore, FallbackBucketStore, MemoryBucketStore, RedisBucketStore } = await import('../server/ratelimit-store.js');
  const { config } = cli;
  const kind = config.rateLimitStore !== 'auto' ? config.rateLimitStore : config.redisUrl ? 'redis' : db.dialect === 'postgres' && !db.location.startsWith('pglite:') ? 'database' : 'memory';
  if (kind === 'memory') return new MemoryBucketStore();
  const database = new DatabaseBucketStore(db);
  if (kind === 'database' || !config.redisUrl) return database;
  const where = redactRedisUrl(config.redisUrl);
  const redis = new RedisBucketStore(config.redisUrl, (err) => log.debug({ err, redis: where }, 'redis connection error'));
  if (await redis.ready()) log.info({ redis: where }, 'rate limits: buckets are kept in Redis');
  else log.warn({ redis: where }, 'rate limits: Redis unreachable at start; buckets are kept in the database until it answers');
  return new FallbackBucketStore(redis, database, log);
}

/** A Redis URL without its password, for logs. */
function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://?';
  }
}

/** Registers `serve` and `migrate` on `program`. */
export function registerServe(program: Command, cli: CliContext): void {
  program
    .command('serve')
    .description('serve the Close API under /api/v1')
    .addOption(dbOption())
    .option('--port <port>', 'port (env PORT)', parsePort)
    .option('--host <host>', 'address to bind (env HOST)')
    .option('--strict-params', 'answer 400 to unknown query parameters instead of ignoring them (D5)')
    .option(
      '--emulator',
      'emulator mode for integration tests: POST /__emulator/reset, PUT /__emulator/clock, a fixed API key; ' +
        'uses a private in-memory database unless --db is given (never for real data)',
    )
    .action(async (opts) => {
      const emulator = Boolean(opts.emulator);
      // The emulator's reset deletes everything: it never falls back to DATABASE_URL.
      // One server owns a SQLite file (issue 13): a second one refuses to start, naming the first's PID.
      const db = emulator ? await open(cli, { db: opts.db ?? ':memory:' }, true, 'serve') : await open(cli, opts, true, 'serve');
      if (emulator) {
        const { foreignOrganizations } = await import('../server/emulator.js');
        const foreign = await foreignOrganizations(db);
        if (foreign.length) {
          await db.close();
          throw new Error(`${db.location} holds organizations other than the emulator's (${foreign.slice(0, 3).join(', ')}); its reset would delete them. Give the emulator its own --db file, or none (in memory)`);
        }
      }
      await serve(cli, db, opts.host ?? cli.config.host, opts.port ?? cli.config.port, Boolean(opts.strictParams) || cli.config.strictParams, emulator);
    });

  program
    .command('migrate')
    .description('apply pending migrations and exit (safe to run from several nodes at once)')
    .option('--json', 'print JSON')
    .addOption(dbOption())
    .action(async (opts) => {
      const db = await open(cli, opts, false);
      try {
        const { migrate } = await import('../db/connect.js');
        const applied = await migrate(db);
        print(opts.json, { applied }, applied.length ? `applied ${applied.join(', ')}` : 'nothing to apply: the database is up to date');
      } finally {
        await db.close();
      }
    });

}
