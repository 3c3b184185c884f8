/**
 * The `tasklane` command line (commander): serve the API, administer organizations,
 * users and API keys, import Close task dumps, and build the demo.
 *
 * Every command takes `--db URL` (env `DATABASE_URL`, default `./data/tasklane.db`):
 * a SQLite file, `postgres://...` or `pglite:[PATH]`; every command runs the same code
 * on each (issue 4). Opening a database applies pending migrations; `migrate` does
 * only that.
 * Commands that create things print JSON with `--json`. Errors print one line to
 * stderr and exit 1.
 */
import { statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig, type Config } from '../config.js';
import { migrate, openDb, type Db } from '../db/connect.js';
import { buildApp } from '../server/app.js';
import { createApiKey, createOrganization, createUser, findOrganization, findUser } from '../crm/accounts.js';
import { ImportError, importTaskDump } from '../tasks/importer.js';
import { readDumpFile } from './dumpfile.js';
import { buildDemo } from './demo.js';
import { startDeliveryWorker } from '../events/delivery.js';
import { startEventPruning } from '../events/eventlog.js';
import { EMULATOR, foreignOrganizations } from '../server/emulator.js';

/** Files above this size get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 1024 * 1024;

let config: Config;

function dbUrl(opts: { db?: string }): string {
  return opts.db ?? config.databaseUrl;
}

/** Opens the command's database with the configured pool size, migrating it. */
function open(opts: { db?: string }, migrateOnOpen = true): Promise<Db> {
  return openDb(dbUrl(opts), { poolMax: config.databasePoolMax, migrate: migrateOnOpen });
}

async function withDb<T>(opts: { db?: string }, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await open(opts);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function print(json: boolean, value: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? JSON.stringify(value) + '\n' : text + '\n');
}

const dbOption = () => new Option('--db <url>', 'database: a SQLite file, postgres://... or pglite:[PATH] (env DATABASE_URL)');

/**
 * Starts the HTTP server on `db` and resolves once it listens; also starts the webhook
 * delivery worker and the hourly prune of events older than 30 days (issue 5). With
 * `emulator`, adds the emulator routes and prints its key and a warning (issue 3).
 */
async function serve(db: Db, host: string, port: number, strictParams: boolean, emulator = false): Promise<void> {
  const app = await buildApp({
    db,
    strictParams,
    emulator,
    rateLimit: config.rateLimit,
    webhookBlockPrivate: config.webhookBlockPrivate,
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
  });
  const worker = startDeliveryWorker(db, {
    timeoutMs: config.webhookTimeoutMs,
    retryMinMs: config.webhookRetryMinMs,
    blockPrivate: config.webhookBlockPrivate,
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

export function buildProgram(): Command {
  const program = new Command('tasklane')
    .description('A self-hosted task engine that speaks the Close CRM Tasks API')
    .showHelpAfterError();

  program
    .command('serve')
    .description('serve the Close API under /api/v1')
    .addOption(dbOption())
    .option('--port <port>', 'port (env PORT)', (v) => Number(v))
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
      const db = emulator ? await openDb(opts.db ?? ':memory:', { poolMax: config.databasePoolMax }) : await open(opts);
      if (emulator) {
        const foreign = await foreignOrganizations(db);
        if (foreign.length) {
          await db.close();
          throw new Error(`${db.location} holds organizations other than the emulator's (${foreign.slice(0, 3).join(', ')}); its reset would delete them. Give the emulator its own --db file, or none (in memory)`);
        }
      }
      await serve(db, opts.host ?? config.host, opts.port ?? config.port, Boolean(opts.strictParams) || config.strictParams, emulator);
    });

  program
    .command('migrate')
    .description('apply pending migrations and exit (safe to run from several nodes at once)')
    .option('--json', 'print JSON')
    .addOption(dbOption())
    .action(async (opts) => {
      const db = await open(opts, false);
      try {
        const applied = await migrate(db);
        print(opts.json, { applied }, applied.length ? `applied ${applied.join(', ')}` : 'nothing to apply: the database is up to date');
      } finally {
        await db.close();
      }
    });

  const org = program.command('org').description('organizations');
  org
    .command('create')
    .requiredOption('--name <name>', 'organization name')
    .option('--currency <code>', 'ISO 4217 currency for money fields', 'USD')
    .option('--id <id>', 'keep this id (orga_...), e.g. to import a dump exactly')
    .option('--json', 'print JSON')
    .addOption(dbOption())
    .action((opts) =>
      withDb(opts, async (db) => {
        if (opts.id && !/^orga_[A-Za-z0-9]+$/.test(opts.id)) throw new Error(`--id must look like orga_..., got "${opts.id}"`);
        const o = await createOrganization(db.kysely, { name: opts.name, currency: opts.currency, id: opts.id }, Date.now());
        print(opts.json, { id: o.id, name: o.name }, o.id);
      }),
    );

  const user = program.command('user').description('users');
  user
    .command('create')
    .requiredOption('--org <id>', 'organization the user joins')
    .requiredOption('--email <email>', 'email address')
    .requiredOption('--first-name <name>', 'first name')
    .requiredOption('--last-name <name>', 'last name')
    .option('--timezone <iana>', 'IANA time zone, e.g. America/New_York (D16)')
    .option('--json', 'print JSON')
    .addOption(dbOption())
    .action((opts) =>
      withDb(opts, async (db) => {
        if (!(await findOrganization(db.kysely, opts.org))) throw new Error(`organization ${opts.org} does not exist`);
        const u = await createUser(
          db.kysely,
          opts.org,
          { email: opts.email, first_name: opts.firstName, last_name: opts.lastName, timezone: opts.timezone ?? null },
          Date.now(),
        );
        print(opts.json, { id: u.id }, u.id);
      }),
    );

  const apikey = program.command('apikey').description('API keys');
  apikey
    .command('create')
    .requiredOption('--user <id>', 'the user the key acts as')
    .requiredOption('--org <id>', 'the organization the key works in')
    .option('--json', 'print JSON')
    .addOption(dbOption())
    .action((opts) =>
      withDb(opts, async (db) => {
        if (!(await findUser(db.kysely, opts.user))) throw new Error(`user ${opts.user} does not exist`);
        const k = await createApiKey(db.kysely, opts.org, opts.user, Date.now());
        print(opts.json, { id: k.id, key: k.key }, k.key);
      }),
    );

  program
    .command('import')
    .description('import a Close task list dump (the JSON GET /task/ answers) into an organization')
    .argument('<file>', 'JSON file: {"data": [...]} or [...]')
    .requiredOption('--org <id>', 'organization to import into')
    .option('--json', 'print a JSON summary')
    .addOption(dbOption())
    .action((file: string, opts) =>
      withDb(opts, async (db) => {
        const size = statSync(file).size;
        const bar = size >= PROGRESS_MIN_BYTES && process.stderr.isTTY ? new SingleBar({ format: 'importing [{bar}] {percentage}% | {value}/{total} bytes' }, Presets.shades_classic) : null;
        bar?.start(size, 0);
        try {
          const summary = await importTaskDump(db, opts.org, readDumpFile(file, (b) => bar?.update(b)), { now: Date.now() });
          bar?.update(size);
          bar?.stop();
          print(
            opts.json,
            { ...summary },
            `imported ${summary.inserted} tasks (${summary.skipped} already present) from ${summary.records} records; created ${summary.users} users, ${summary.leads} leads, ${summary.contacts} contacts`,
          );
        } catch (e) {
          bar?.stop();
          if (e instanceof ImportError) throw new Error(`import stopped at record ${e.index}: ${e.reason}; nothing was imported`);
          throw e;
        }
      }),
    );

  program
    .command('demo')
    .description('build a fresh demo database (two users, leads, contacts, the seed tasks, generated tasks) and print API keys')
    .addOption(dbOption())
    .option('--serve', 'then serve it')
    .option('--port <port>', 'port (env PORT)', (v) => Number(v))
    .option('--host <host>', 'address to bind (env HOST)')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const result = await buildDemo(dbUrl(opts), Date.now(), config.databasePoolMax);
      const host = opts.host ?? config.host;
      const port = opts.port ?? config.port;
      const base = `http://${host}:${port}/api/v1`;
      const lines = [
        `Demo database ${result.database}: organization ${result.organization_id}, ${result.tasks} tasks (${result.generated} generated from calls, emails, SMS and an opportunity).`,
        ...result.users.map((u) => `  ${u.name} (${u.timezone})  API key: ${u.api_key}`),
        '',
        `Inbox page: open http://${host}:${port}/ and sign in with one of these API keys.`,
        '',
        'Try:',
        `  curl -u ${result.users[0].api_key}: '${base}/task/?view=inbox'`,
        `  curl -u ${result.users[0].api_key}: '${base}/task/?_type=all&_limit=5'`,
        `  curl -u ${result.users[0].api_key}: '${base}/task/?_type__in=missed_call,voicemail,answered_detached_call,incoming_email,opportunity_due&view=inbox'`,
      ];
      print(opts.json, { ...result, base_url: base }, lines.join('\n'));
      if (opts.serve) await serve(await open(opts), host, port, config.strictParams);
    });

  return program;
}

async function main(): Promise<void> {
  try {
    config = loadConfig();
    await buildProgram().parseAsync(process.argv);
  } catch (e) {
    process.stderr.write(`tasklane: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

await main();
