/** `tasklane import` (a Close task dump) and `tasklane demo` (a fresh demo database). */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { dbOption, dbUrl, open, parsePort, print, withDb, type CliContext } from './shared.js';
import { serve } from './serve.js';

/**
 * Bytes of a dump per task, about, to guess from a file's size how many tasks it holds
 * (a compact Close task is 600-1,000 bytes; the guess only chooses how to load).
 */
const DUMP_BYTES_PER_TASK = 1000;

/** Files above this size get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 1024 * 1024;

/** The size of a dump file in bytes. @throws Error naming the file when it is missing or not a file. */
function dumpFileSize(file: string): number {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error(`${file}: not a file`);
    return st.size;
  } catch (e) {
    throw new Error((e as NodeJS.ErrnoException).code === 'ENOENT' ? `${file}: no such file` : (e as Error).message);
  }
}

/** Registers `import` and `demo` on `program`. */
export function registerData(program: Command, cli: CliContext): void {
  program
    .command('import')
    .description('import a Close task list dump (the JSON GET /task/ answers) into an organization')
    .argument('<file>', 'JSON file: {"data": [...]} or [...]')
    .requiredOption('--org <id>', 'organization to import into')
    .option('--json', 'print a JSON summary')
    .addOption(dbOption())
    .action((file: string, opts) => {
      const size = dumpFileSize(file);
      return withDb(cli, opts, async (db) => {
        const { ImportError, importTaskDump } = await import('../tasks/importer.js');
        const { readDumpFile } = await import('./dumpfile.js');
        const { SingleBar, Presets } = await import('cli-progress');
        const bar = size >= PROGRESS_MIN_BYTES && process.stderr.isTTY ? new SingleBar({ format: 'importing [{bar}] {percentage}% | {value}/{total} bytes' }, Presets.shades_classic) : null;
        bar?.start(size, 0);
        try {
          const summary = await importTaskDump(db, opts.org, readDumpFile(file, (b) => bar?.update(b)), { now: Date.now(), expectedRecords: Math.floor(size / DUMP_BYTES_PER_TASK) });
          bar?.update(size);
          bar?.stop();
          print(
            opts.json,
            { ...summary },
            `imported ${summary.inserted} tasks (${summary.skipped} already present) from ${summary.records} records; created ${summary.users} users, ${summary.leads} leads, ${summary.contacts} contacts`,
          );
        } catch (e) {
          bar?.stop();
          if (e instanceof ImportError) throw new Error(`${file}: import stopped at record ${e.index}: ${e.reason}; nothing was imported`);
          // A file that breaks part way: the records read before the break are not kept either (one transaction).
          if ((e as Error).message.startsWith(`${file}:`)) throw new Error(`${(e as Error).message}; nothing was imported`);
          throw e;
        }
      }, 'import');
    });

  program
    .command('demo')
    .description('build a fresh demo database (two users, leads, contacts, the seed tasks, generated tasks) and print API keys')
    .addOption(dbOption())
    .option('--serve', 'then serve it')
    .option('--port <port>', 'port (env PORT)', parsePort)
    .option('--host <host>', 'address to bind (env HOST)')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const { buildDemo } = await import('./demo.js');
      const result = await buildDemo(dbUrl(cli, opts), Date.now(), cli.config.databasePoolMax);
      const host = opts.host ?? cli.config.host;
      const port = opts.port ?? cli.config.port;
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
      if (opts.serve) await serve(cli, await open(cli, opts, true, 'serve'), host, port, cli.config.strictParams);
    });

}
