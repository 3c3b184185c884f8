/**
 * The `tasklane` command line as a user runs it: org, user and API key creation with
 * `--json`, `serve` on a real port answering with that key, and `demo`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'tasklane.js');
const dir = mkdtempSync(join(tmpdir(), 'tasklane-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `tasklane serve` and resolves with its URL, read from its "listening on" line. */
function serve(args: string[], env: Record<string, string> = {}): Promise<{ url: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ url: m[1], stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

test('org, user and apikey create print JSON ids, and the key works against serve', async () => {
  const db = join(dir, 'admin.db');
  const org = run(['org', 'create', '--name', 'Acme', '--db', db, '--json']);
  assert.equal(org.status, 0, org.stderr);
  const orgId = JSON.parse(org.stdout).id;
  assert.match(orgId, /^orga_[0-9A-Za-z]{43}$/);
  const user = run(['user', 'create', '--org', orgId, '--email', 'ann@acme.test', '--first-name', 'Ann', '--last-name', 'Lee', '--timezone', 'America/Los_Angeles', '--json'], { DATABASE_URL: db });
  assert.equal(user.status, 0, user.stderr);
  const userId = JSON.parse(user.stdout).id;
  assert.match(userId, /^user_/);
  const key = run(['apikey', 'create', '--user', userId, '--org', orgId, '--db', db, '--json']);
  assert.equal(key.status, 0, key.stderr);
  const k = JSON.parse(key.stdout);
  assert.match(k.key, /^api_[0-9A-Za-z]{43}$/);
  assert.ok(k.id);

  const bad = run(['user', 'create', '--org', orgId, '--email', 'x@y.z', '--first-name', 'X', '--last-name', 'Y', '--timezone', 'Mars/Olympus', '--db', db]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown time zone/);
  assert.equal(run(['apikey', 'create', '--user', 'user_nope', '--org', orgId, '--db', db]).status, 1);

  const server = await serve(['--db', db]);
  try {
    const auth = { authorization: 'Basic ' + Buffer.from(k.key + ':').toString('base64') };
    const me = await (await fetch(`${server.url}/api/v1/me/`, { headers: auth })).json();
    assert.equal(me.id, userId);
    assert.equal(me.last_used_timezone, 'America/Los_Angeles');
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    assert.equal((await fetch(`${server.url}/api/v1/task/`)).status, 401);
  } finally {
    server.stop();
  }
});

test('demo builds a fresh database with two users in two zones, prints keys, and refuses foreign data', async () => {
  const db = join(dir, 'demo.db');
  const first = run(['demo', '--db', db, '--json']);
  assert.equal(first.status, 0, first.stderr);
  const demo = JSON.parse(first.stdout);
  assert.equal(demo.users.length, 2);
  assert.notEqual(demo.users[0].timezone, demo.users[1].timezone);
  // Running it again rebuilds it: new keys.
  const second = JSON.parse(run(['demo', '--db', db, '--json']).stdout);
  assert.notEqual(second.users[0].api_key, demo.users[0].api_key);
  const server = await serve(['--db', db]);
  try {
    const auth = { authorization: 'Basic ' + Buffer.from(second.users[0].api_key + ':').toString('base64') };
    const all = await (await fetch(`${server.url}/api/v1/task/?_type=all&_limit=1000`, { headers: auth })).json();
    const types = new Set(all.data.map((t: { _type: string }) => t._type));
    for (const t of ['lead', 'missed_call', 'voicemail', 'incoming_email', 'email_followup', 'answered_detached_call', 'opportunity_due', 'incoming_sms']) {
      assert.ok(types.has(t), `demo has a ${t} task`);
    }
    const dates = all.data.filter((t: { _type: string; date: string }) => t._type === 'lead' && t.date >= '2026').map((t: { view: string }) => t.view);
    assert.ok(dates.includes('inbox') && dates.includes('future') && dates.includes('archive'), 'lead tasks over yesterday, today and next week');
  } finally {
    server.stop();
  }
  const foreign = join(dir, 'foreign.db');
  run(['org', 'create', '--name', 'Real data', '--db', foreign]);
  const refused = run(['demo', '--db', foreign]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /not the demo's/);
});

test('bad configuration fails fast with the variable named', () => {
  const r = run(['org', 'create', '--name', 'X', '--db', join(dir, 'cfg.db')], { PORT: 'eighty' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /PORT must be a port number/);
});

test('user deactivate and reactivate: a running server refuses the key within seconds and lists the member as inactive (D35)', async () => {
  const db = join(dir, 'members.db');
  const orgId = run(['org', 'create', '--name', 'Acme', '--db', db]).stdout.trim();
  const annId = run(['user', 'create', '--org', orgId, '--email', 'ann@acme.test', '--first-name', 'Ann', '--last-name', 'Lee', '--db', db]).stdout.trim();
  const leoId = run(['user', 'create', '--org', orgId, '--email', 'leo@acme.test', '--first-name', 'Leo', '--last-name', 'Leaver', '--db', db]).stdout.trim();
  const annKey = run(['apikey', 'create', '--user', annId, '--org', orgId, '--db', db]).stdout.trim();
  const leoKey = run(['apikey', 'create', '--user', leoId, '--org', orgId, '--db', db]).stdout.trim();
  const server = await serve(['--db', db]);
  const get = (key: string, path: string) => fetch(`${server.url}/api/v1${path}`, { headers: { authorization: 'Basic ' + Buffer.from(key + ':').toString('base64') } });
  try {
    assert.equal((await get(leoKey, '/me/')).status, 200);
    const off = run(['user', 'deactivate', '--user', leoId, '--org', orgId, '--db', db, '--json']);
    assert.equal(off.status, 0, off.stderr);
    assert.deepEqual(JSON.parse(off.stdout), { user_id: leoId, organization_id: orgId, active: false, changed: true });
    // The server remembers a key's owner for at most 5 seconds (AUTH_CACHE_TTL_MS).
    let status = 200;
    for (const started = Date.now(); status === 200 && Date.now() - started < 8000; ) {
      status = (await get(leoKey, '/me/')).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(status, 401);
    const org = await (await get(annKey, `/organization/${orgId}/`)).json();
    assert.deepEqual(org.inactive_memberships.map((m: { user_id: string }) => m.user_id), [leoId]);
    assert.deepEqual(org.memberships.map((m: { user_id: string }) => m.user_id), [annId]);
    assert.match(run(['user', 'deactivate', '--user', leoId, '--org', orgId, '--db', db]).stdout, /already inactive/);
    assert.match(run(['apikey', 'create', '--user', leoId, '--org', orgId, '--db', db]).stderr, /inactive in organization .*tasklane user reactivate/);
    const on = run(['user', 'reactivate', '--user', leoId, '--org', orgId, '--db', db]);
    assert.equal(on.status, 0, on.stderr);
    assert.match(on.stdout, new RegExp(`${leoId} is now active in ${orgId}`));
    assert.equal((await get(leoKey, '/me/')).status, 200, 'a refused key is not remembered');
    const stranger = run(['user', 'deactivate', '--user', 'user_nobody', '--org', orgId, '--db', db]);
    assert.equal(stranger.status, 1);
    assert.match(stranger.stderr, /user_nobody is not a member of organization/);
  } finally {
    server.stop();
  }
});

test('CLI messages name the problem: unknown URL schemes, a folder as --db, --port abc, a second user with one email', () => {
  const mysql = run(['migrate', '--db', 'mysql://root@127.0.0.1/tasks']);
  assert.equal(mysql.status, 1);
  assert.match(mysql.stderr, /unknown database URL scheme "mysql:" in mysql:\/\/root@127\.0\.0\.1\/tasks: use a SQLite file path/);
  const env = run(['migrate'], { DATABASE_URL: 'mysql://root@127.0.0.1/tasks' });
  assert.equal(env.status, 1);
  assert.match(env.stderr, /DATABASE_URL: unknown database URL scheme "mysql:"/);
  assert.equal(existsSync('mysql:') || existsSync(join(dir, 'mysql:')), false, 'no file named mysql: was made');
  const folder = run(['migrate', '--db', dir]);
  assert.equal(folder.status, 1);
  assert.ok(folder.stderr.includes(`${dir} is a folder, not a SQLite database file; give a file path such as ${join(dir, 'tasklane.db')}`), folder.stderr);
  for (const command of [['serve'], ['demo', '--db', join(dir, 'port.db')]]) {
    const port = run([...command, '--port', 'abc']);
    assert.equal(port.status, 1);
    assert.match(port.stderr, /option '--port <port>' argument 'abc' is invalid\. a port is a whole number from 0 to 65535 \(got "abc"\)\./);
  }
  const db = join(dir, 'emails.db');
  const orgId = run(['org', 'create', '--name', 'Acme', '--db', db]).stdout.trim();
  const user = (email: string) => run(['user', 'create', '--org', orgId, '--email', email, '--first-name', 'Ann', '--last-name', 'Lee', '--db', db]);
  assert.equal(user('ann@acme.test').status, 0);
  const twice = user('Ann@Acme.test');
  assert.equal(twice.status, 1);
  assert.match(twice.stderr, /ann@acme\.test is already the email of user_\w+ in organization orga_\w+; each member needs an email of their own/);
});
