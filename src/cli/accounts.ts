/** `tasklane org ...`, `tasklane user create|deactivate|reactivate` and `tasklane apikey ...`: who may call the API. */
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
        const { writeTransaction } = await import('../db/executor.js');
        if (!(await findOrganization(db.kysely, opts.org))) throw new Error(`organization ${opts.org} does not exist`);
        const u = await writeTransaction(db, (trx) =>
          createUser(trx, opts.org, { email: opts.email, first_name: opts.firstName, last_name: opts.lastName, timezone: opts.timezone ?? null }, Date.now()),
        );
        print(opts.json, { id: u.id }, u.id);
      }),
    );

  for (const [name, active] of [['deactivate', false], ['reactivate', true]] as const) {
    user
      .command(name)
      .description(
        active
          ? 'make an inactive member active again: their API keys work again'
          : "make a member inactive (D35): their API keys answer 401, their tasks stay, and GET /organization/{id}/ lists them under inactive_memberships",
      )
      .requiredOption('--user <id>', 'the member (user_...)')
      .requiredOption('--org <id>', 'the organization (orga_...)')
      .option('--json', 'print JSON')
      .addOption(dbOption())
      .action((opts) =>
        withDb(cli, opts, async (db) => {
          const { setMemberActive } = await import('../crm/accounts.js');
          const { writeTransaction } = await import('../db/executor.js');
          const changed = await writeTransaction(db, (trx) => setMemberActive(trx, opts.org, opts.user, active, Date.now()));
          const state = active ? 'active' : 'inactive';
          const text = changed
            ? `${opts.user} is now ${state} in ${opts.org}` + (active ? '' : '; their API keys answer 401 (running servers notice within 5 seconds)')
            : `${opts.user} was already ${state} in ${opts.org}; nothing changed`;
          print(opts.json, { user_id: opts.user, organization_id: opts.org, active, changed }, text);
        }),
      );
  }

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
