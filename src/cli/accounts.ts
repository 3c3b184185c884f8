/** `tasklane org ...`, `tasklane user ...` and `tasklane apikey ...`: who may call the API. */
import type { Command } from 'commander';
import { dbOption, print, withDb, type CliContext } from './shared.js';

/** Registers `org`, `user` and `apikey` on `program`. */
export function registerAccounts(program: Command, cli: CliContext): void {
  const org = program.command('org').description('organizations');
  org
    .command('create')
    .requiredOption('--name <name>', 'organization name')
    .option('--currency <code>', 'ISO 4217 currency for money fields', 'USD')
    .option('--id <id>', 'keep this id (orga_...), e.g. to import a dump exactly')
    .option('--json', 'print JSON')
    .addOption(dbOption())
    .action((opts) =>
      withDb(cli, opts, async (db) => {
        if (opts.id && !/^orga_[A-Za-z0-9]+$/.test(opts.id)) throw new Error(`--id must look like orga_..., got "${opts.id}"`);
        const { createOrganization } = await import('../crm/accounts.js');
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
      withDb(cli, opts, async (db) => {
        const { findOrganization } = await import('../db/accounts.repo.js');
        const { createUser } = await import('../crm/accounts.js');
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
      withDb(cli, opts, async (db) => {
        const { findUser } = await import('../db/accounts.repo.js');
        const { createApiKey } = await import('../crm/accounts.js');
        if (!(await findUser(db.kysely, opts.user))) throw new Error(`user ${opts.user} does not exist`);
        const k = await createApiKey(db.kysely, opts.org, opts.user, Date.now());
        print(opts.json, { id: k.id, key: k.key }, k.key);
      }),
    );

}
