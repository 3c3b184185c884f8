/**
 * `tasklane org create|list`, `tasklane user create|list|deactivate|reactivate` and
 * `tasklane apikey create|list|revoke`: who may call the API. Lists never show a
 * secret (keys are stored as hashes only); with `--json` they print `{"data": [...]}`.
 */
import type { Command } from 'commander';
import { dbOption, print, printList, withDb, type CliContext } from './shared.js';

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

  org
    .command('list')
    .description('list every organization')
    .option('--json', 'print JSON')
    .addOption(dbOption())
    .action((opts) =>
      withDb(cli, opts, async (db) => {
        const { listOrganizations } = await import('../db/accounts.repo.js');
        const rows = (await listOrganizations(db.kysely)).map((o) => ({ id: o.id, name: o.name, currency: o.currency, date_created: new Date(Number(o.date_created)).toISOString() }));
        printList(opts.json, rows, (o) => `${o.id}  ${o.name}  ${o.currency}`);
      }),
    );

  const user = program.command('user').description('users');
  user
    .command('list')
    .description('list members (of --org when given), active or not')
    .option('--org <id>', 'only this organization')
    .option('--json', 'print JSON')
    .addOption(dbOption())
    .action((opts) =>
      withDb(cli, opts, async (db) => {
        const { listMemberships } = await import('../db/accounts.repo.js');
        const rows = (await listMemberships(db.kysely, opts.org)).map((m) => ({ ...m, active: m.date_deactivated === null }));
        printList(opts.json, rows, (m) => `${m.id}  ${m.email}  ${m.first_name} ${m.last_name}  ${m.organization_id}  ${m.role_id}${m.active ? '' : '  inactive'}`);
      }),
    );
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
            ? `${opts.user} is now ${state} in ${opts.org}` + (active ? '' : '; their API keys answer 401 at once')
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

  apikey
    .command('list')
    .description('list API keys (ids only: a key is shown once, when created)')
    .option('--org <id>', 'only keys of this organization')
    .option('--user <id>', 'only keys of this user')
    .option('--json', 'print JSON')
    .addOption(dbOption())
    .action((opts) =>
      withDb(cli, opts, async (db) => {
        const { listApiKeys } = await import('../db/accounts.repo.js');
        const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
        const rows = (await listApiKeys(db.kysely, { organizationId: opts.org, userId: opts.user })).map((k) => ({
          id: k.id,
          user_id: k.user_id,
          organization_id: k.organization_id,
          date_created: iso(k.date_created),
          date_revoked: iso(k.date_revoked),
        }));
        printList(opts.json, rows, (k) => `${k.id}  ${k.user_id}  ${k.organization_id}  ${k.date_created}${k.date_revoked ? `  revoked ${k.date_revoked}` : ''}`);
      }),
    );

  apikey
    .command('revoke')
    .description('revoke an API key: it answers 401 at once, on every node')
    .requiredOption('--id <id>', 'the key id (apik_..., from apikey list)')
    .option('--json', 'print JSON')
    .addOption(dbOption())
    .action((opts) =>
      withDb(cli, opts, async (db) => {
        const { revokeApiKey } = await import('../crm/accounts.js');
        const { writeTransaction } = await import('../db/executor.js');
        const changed = await writeTransaction(db, (trx) => revokeApiKey(trx, opts.id, Date.now()));
        print(opts.json, { id: opts.id, revoked: true, changed }, changed ? `${opts.id} is revoked; it answers 401` : `${opts.id} was already revoked; nothing changed`);
      }),
    );
}
