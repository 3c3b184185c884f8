/**
 * The README's walk-through, run as written: its curl block is taken from README.md,
 * given a demo user's key and a served demo's address, and run by bash, and every
 * effect it promises is checked in what it printed (the organization's inbox holds a
 * colleague's tasks and mine does not, the new task waits in Future and then sits in
 * the archive, the bulk reassignment moves the lead's five open tasks to the other
 * demo user, the delete answers `{}`).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli, startNode } from '../support/processes.js';
import { openDb } from '../../src/db/connect.js';
import { organizationIds } from '../../src/db/accounts.repo.js';
import { DEMO_ORG_ID } from '../../src/cli/demo.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tasklane-readme-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The first ```sh block after `heading` in README.md. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const at = readme.indexOf(heading);
  assert.ok(at >= 0, `README has "${heading}"`);
  return readme.slice(at).split('```sh\n')[1].split('```')[0];
}

test('the README walk-through, run as written against the demo, shows every effect it promises', async () => {
  const db = join(dir, 'demo.db');
  const built = await runCli(['demo', '--db', db, '--json']);
  assert.equal(built.code, 0, built.stderr);
  const [ann, kenji] = JSON.parse(built.stdout).users;
  const node = await startNode(db);
  try {
    const block = readmeBlock('## A walk through the API with curl');
    assert.match(block, /^KEY=api_\.\.\. .*\nAPI=http:\/\/127\.0\.0\.1:8787\/api\/v1\n/);
    // The reader's two edits: their key and (here) the port. Each curl's answer on a line of its own.
    const script = 'curl() { command curl "$@"; echo; }\n' + block.replace('KEY=api_...', `KEY=${ann.api_key}`).replace('http://127.0.0.1:8787', node.base);
    const file = join(dir, 'walk.sh');
    writeFileSync(file, script);
    const run = spawnSync('bash', ['-e', file], { encoding: 'utf8', cwd: root });
    assert.equal(run.status, 0, run.stderr);
    const out = run.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    const [me, leads, orgInbox, myInbox, fromKiribati, allTypes, future, prioritized, completed, archive, bulk, reassigned, deleted] = out;
    assert.equal(out.length, 13, run.stdout);
    assert.equal(me.id, ann.id);
    assert.ok(leads.data.some((l: { name: string }) => l.name === 'Bluth Company'));
    // The organization's inbox has Kenji's tasks; mine has only mine, and is part of it.
    const names = (page: { data: { assigned_to_name?: string }[] }) => new Set(page.data.map((t) => t.assigned_to_name));
    assert.ok(names(orgInbox).has('Kenji Sato') && names(orgInbox).has('Ann Lee'));
    assert.ok(myInbox.data.length > 0 && myInbox.data.length < orgInbox.data.length);
    assert.ok(myInbox.data.every((t: { view: string }) => t.view === 'inbox'));
    // From UTC+14, Ann's task for tomorrow (in Los Angeles) is due once it is tomorrow there.
    const day = (zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date());
    const tomorrowThere = day('Etc/GMT-14') > day('America/Los_Angeles');
    const introduced = fromKiribati.data.some((t: { text: string }) => t.text === 'Introduce Ann Lee to Dunder Mifflin');
    assert.equal(introduced, tomorrowThere, `UTC+14 is on ${day('Etc/GMT-14')}, Los Angeles on ${day('America/Los_Angeles')}`);
    assert.equal(allTypes.data.length, 5);
    assert.ok(allTypes.data.some((t: { _type: string }) => t._type !== 'lead'));
    // The new task, a week out, waits in Future; then gets its priority, is completed, and is in the archive.
    assert.ok(future.data.some((t: { text: string; view: string }) => t.text === 'Send the proposal' && t.view === 'future'));
    assert.equal(prioritized.priority, 'high');
    assert.deepEqual([completed.is_complete, completed.view, completed.object_type], [true, 'archive', 'taskcompleted']);
    assert.ok(archive.data.some((t: { text: string }) => t.text === 'Send the proposal'));
    // The bulk update picks the other demo user and the lead's five open tasks.
    assert.deepEqual(bulk, { count: 5 });
    assert.equal(reassigned.data.length, 5);
    assert.ok(reassigned.data.every((t: { assigned_to_name: string }) => t.assigned_to_name === 'Kenji Sato'), JSON.stringify(reassigned));
    assert.notEqual(kenji.id, ann.id);
    assert.deepEqual(deleted, {});
  } finally {
    await node.stop();
  }
});

test('the README "Running your own instance" block runs on a database of its own, the demo\'s left alone', async () => {
  const work = mkdtempSync(join(dir, 'own-'));
  // A checkout's layout: fixtures/ beside data/.
  symlinkSync(join(root, 'fixtures'), join(work, 'fixtures'));
  // The demo first, as a reader who followed the Quick start has it.
  assert.equal((await runCli(['demo', '--db', join(work, 'data', 'tasklane.db')])).code, 0);
  const block = readmeBlock('## Running your own instance');
  assert.match(block, /^DB=\.\/data\/acme\.db\n/);
  // Everything but the last line, which serves until stopped; npx is the package's own bin here.
  const lines = block.trimEnd().split('\n');
  assert.match(lines.at(-1)!, /^npx tasklane serve --db \$DB /);
  const importLine = readmeBlock('Import a Close task dump');
  const script = [`tasklane() { node ${JSON.stringify(join(root, 'bin', 'tasklane.js'))} "$@"; }`, 'npx() { "$@"; }', ...lines.slice(0, -1), importLine].join('\n');
  const file = join(work, 'own.sh');
  writeFileSync(file, script);
  const run = spawnSync('bash', ['-e', file], { encoding: 'utf8', cwd: work, env: { ...process.env, LOG_LEVEL: 'silent' } });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /"key":"api_[0-9A-Za-z]{43}"/);
  assert.match(run.stdout, /imported 8 tasks \(0 already present\) from 8 records/);
  // The demo database still holds the demo only, so `npm start` can rebuild it.
  const demo = await openDb(join(work, 'data', 'tasklane.db'));
  try {
    assert.deepEqual(await organizationIds(demo.kysely), [DEMO_ORG_ID]);
  } finally {
    await demo.close();
  }
});
