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
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { loadConfig } from '../config.js';
import type { CliContext } from './shared.js';
import { registerServe } from './serve.js';
import { registerAccounts } from './accounts.js';
import { registerData } from './data.js';

// Command modules load what they need when they run (`await import(...)`), so
// `tasklane --help` and a mistyped command answer without loading the database
// drivers, Fastify or the phone data (issue 8: `--help` within 6x a bare `node -e 0`).

/** The package's version (`src/cli/` and `dist/cli/` both sit two folders below the package root). */
const VERSION: string = createRequire(import.meta.url)('../../package.json').version;

/** The whole command line, for `cli` (the configuration read at boot). */
export function buildProgram(cli: CliContext): Command {
  const program = new Command('tasklane')
    .description('A self-hosted task engine that speaks the Close CRM Tasks API')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .showHelpAfterError();
  registerServe(program, cli);
  registerAccounts(program, cli);
  registerData(program, cli);
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram({ config: loadConfig() }).parseAsync(process.argv);
  } catch (e) {
    process.stderr.write(`tasklane: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

await main();
