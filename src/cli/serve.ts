/**
 * `tasklane serve` (the API, the webhook delivery worker and the event prune; with
 * `--emulator` the emulator routes) and `tasklane migrate`.
 */
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
  const { startDeliveryWorker } = await import('../events/delivery.js');
  const { startEventPruning } = await import('../events/eventlog.js');
  const { EMULATOR } = await import('../server/emulator.js');
  const app = await buildApp({
    db,
    strictParams,
    emulator,
    rateLimit: cli.config.rateLimit,
    webhookBlockPrivate: cli.config.webhookBlockPrivate,
    limits: cli.config.limits,
    authFailureLimit: cli.config.authFailureLimit,
    orgConcurrency: cli.config.orgConcurrency,
    logger: cli.config.logLevel === 'silent' ? false : { level: cli.config.logLevel },
  });
  const worker = startDeliveryWorker(db, {
    timeoutMs: cli.config.webhookTimeoutMs,
    retryMinMs: cli.config.webhookRetryMinMs,
    blockPrivate: cli.config.webhookBlockPrivate,
    logger: app.log,
  });
  const pruning = startEventPruning(db, { logger: app.log });
  const close = async () => {
    await app.close();
    await worker.stop();
    await pruning.stop();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
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
