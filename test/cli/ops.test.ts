/**
 * Operations through the real command line and `serve` processes (issue 11):
 * `--version`; `org list`, `user list`, `apikey list` without secrets; `apikey revoke`
 * and `user deactivate` answered by 401 at once on a running node that used the key
 * just before (its cache is dropped); graceful shutdown on SIGTERM while a request
 * and a webhook attempt are in flight.
 *
 * On a SQLite file (the CLI and the node are separate processes), or on the PostgreSQL
 * server in the PostgreSQL pass; PGlite cannot be shared by two processes, so these do
 * not run in the PGlite pass (they would repeat the SQLite pass) and map TEST_DB=pglite
 * to SQLite when run alone.
 */
// test-backends: sqlite postgres
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { basic, freshDatabase, testBackend } from '../support/helpers.js';
import { runCli, startNode } from '../support/processes.js';
import { openDb } from '../../src/db/connect.js';
import { createApiKey, createOrganization, createUser } from '../../src/crm/accounts.js';
import { deliveriesOf } from '../../src/db/webhooks.repo.js';

const backend = testBackend() === 'pglite' ? 'sqlite' : testBackend();
const VERSION: string = JSON.parse(await (await import('node:fs/promises')).readFile(new URL('../../package.json', import.meta.url), 'utf8')).version;

async function seed(url: string) {
  const db = await openDb(url, { poolMax: 2 });
  try {
    const org = await createOrganization(db.kysely, { name: 'Ops' }, 0);
    const ann = await createUser(db.kysely, org.id, { email: 'ann@ops.test', first_name: 'Ann', last_name: 'Lee' }, 0);
    const ken = await createUser(db.kysely, org.id, { email: 'ken@ops.test', first_name: 'Ken', last_name: 'Sato' }, 0);
    const annKey = await createApiKey(db.kysely, org.id, ann.id, 0);
    const annKey2 = await createApiKey(db.kysely, org.id, ann.id, 0);
    const kenKey = await createApiKey(db.kysely, org.id, ken.id, 0);
    return { orgId: org.id, ann: ann.id, ken: ken.id, annKey, annKey2, kenKey };
  } finally {
    await db.close();
  }
}

const me = async (base: string, key: string) => (await fetch(`${base}/api/v1/me/`, { headers: { authorization: basic(key) } })).status;

test('tasklane --version prints the package version', async () => {
  for (const flag of ['--version', '-V']) {
    const r = await runCli([flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), VERSION);
  }
});

test(`org list, user list and apikey list show accounts, never a secret; --json gives {"data": [...]} (${backend})`, async () => {
  const fresh = await freshDatabase(backend);
  try {
    const s = await seed(fresh.url);
    const orgs = await runCli(['org', 'list', '--json', '--db', fresh.url]);
    assert.equal(orgs.code, 0, orgs.stderr);
    assert.deepEqual(JSON.parse(orgs.stdout).data.map((o: any) => [o.id, o.name, o.currency]), [[s.orgId, 'Ops', 'USD']]);
    const users = await runCli(['user', 'list', '--org', s.orgId, '--json', '--db', fresh.url]);
    assert.deepEqual(
      JSON.parse(users.stdout).data.map((u: any) => [u.id, u.email, u.active]),
      [
        [s.ann, 'ann@ops.test', true],
        [s.ken, 'ken@ops.test', true],
      ],
    );
    const keys = await runCli(['apikey', 'list', '--user', s.ann, '--json', '--db', fresh.url]);
    const listed = JSON.parse(keys.stdout).data;
    assert.deepEqual(listed.map((k: any) => k.id).sort(), [s.annKey.id, s.annKey2.id].sort());
    assert.deepEqual(Object.keys(listed[0]).sort(), ['date_created', 'date_revoked', 'id', 'organization_id', 'user_id']);
    const text = await runCli(['apikey', 'list', '--db', fresh.url]);
    assert.equal(text.stdout.trim().split('\n').length, 3);
    for (const out of [keys.stdout, text.stdout]) for (const k of [s.annKey, s.annKey2, s.kenKey]) assert.ok(!out.includes(k.key), 'no secret is printed');
    const missing = await runCli(['apikey', 'revoke', '--id', 'apik_nope', '--db', fresh.url]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), 'tasklane: API key apik_nope does not exist');
  } finally {
    await fresh.drop();
  }
});

test(`a revoked key and a deactivated member's key answer 401 at once on a running node that used them (${backend})`, async () => {
  const fresh = await freshDatabase(backend);
  const node = await startNode(fresh.url);
  try {
    const s = await seed(fresh.url);
    for (const k of [s.annKey, s.annKey2, s.kenKey]) assert.equal(await me(node.base, k.key), 200);
    const revoked = await runCli(['apikey', 'revoke', '--id', s.annKey.id, '--json', '--db', fresh.url]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.deepEqual(JSON.parse(revoked.stdout), { id: s.annKey.id, revoked: true, changed: true });
    // Right after the command returns: no wait for the 5-second cache.
    assert.equal(await me(node.base, s.annKey.key), 401);
    assert.equal(await me(node.base, s.annKey2.key), 200, "the user's other key still works");
    const again = await runCli(['apikey', 'revoke', '--id', s.annKey.id, '--db', fresh.url]);
    assert.match(again.stdout, /was already revoked; nothing changed/);
    const list = JSON.parse((await runCli(['apikey', 'list', '--json', '--db', fresh.url])).stdout).data;
    assert.match(list.find((k: any) => k.id === s.annKey.id).date_revoked, /^\d{4}-\d\d-\d\dT/);
    const off = await runCli(['user', 'deactivate', '--user', s.ken, '--org', s.orgId, '--db', fresh.url]);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(await me(node.base, s.kenKey.key), 401);
    await runCli(['user', 'reactivate', '--user', s.ken, '--org', s.orgId, '--db', fresh.url]);
    assert.equal(await me(node.base, s.kenKey.key), 200);
  } finally {
    await node.stop();
    await fresh.drop();
  }
});

test(`a node whose REDIS_URL points where nothing listens keeps serving, limited through the database (${backend})`, async () => {
  const fresh = await freshDatabase(backend);
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const node = await startNode(fresh.url, { REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_PER_KEY: '3', RATE_LIMIT_WINDOW: '3600' });
  try {
    const s = await seed(fresh.url);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await me(node.base, s.annKey.key));
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const metrics = await (await fetch(`${node.base}/metrics`)).text();
    assert.match(metrics, /^tasklane_rate_limit_store\{store="database"\} 1$/m);
  } finally {
    await node.stop();
    await fresh.drop();
  }
});

test(`SIGTERM: a request and a webhook attempt in flight complete, new connections are refused, the process exits 0 (${backend})`, async () => {
  const fresh = await freshDatabase(backend);
  // A webhook receiver that answers 1.5 s after a request arrives.
  let hookArrived!: () => void;
  const arrived = new Promise<void>((r) => (hookArrived = r));
  const receiver = createHttpServer((req, res) => {
    req.resume();
    hookArrived();
    setTimeout(() => res.writeHead(200).end('ok'), 1500);
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  const node = await startNode(fresh.url);
  try {
    const s = await seed(fresh.url);
    const auth = { authorization: basic(s.annKey.key), 'content-type': 'application/json' };
    const sub = await fetch(`${node.base}/api/v1/webhook/`, { method: 'POST', headers: auth, body: JSON.stringify({ url: hookUrl, events: [{ object_type: 'task.lead', action: 'created' }] }) });
    assert.equal(sub.status, 201);
    const subscriptionId = (await sub.json()).id;
    const lead = await fetch(`${node.base}/api/v1/lead/`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'Slow Corp' }) });
    assert.equal(lead.status, 200);
    const leadId = (await lead.json()).id;
    const first = await fetch(`${node.base}/api/v1/task/`, { method: 'POST', headers: auth, body: JSON.stringify({ lead_id: leadId, text: 'Announce me', date: '2026-03-10' }) });
    assert.equal(first.status, 200);
    await arrived;
    // A request whose body trickles in: half now, the rest after the signal.
    const body = JSON.stringify({ lead_id: leadId, text: 'Finish me during shutdown', date: '2026-03-10' });
    const url = new URL(`${node.base}/api/v1/task/`);
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...auth, 'transfer-encoding': 'chunked' } }, (res: IncomingMessage) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 20));
      setTimeout(() => {
        const exit = new Promise<number | null>((r) => node.process.once('exit', (code) => r(code)));
        node.process.kill('SIGTERM');
        exitCode = exit;
        setTimeout(() => {
          newConnection = new Promise((r) => {
            const sock = connect(Number(url.port), url.hostname);
            sock.once('connect', () => (sock.destroy(), r('connected')));
            sock.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
          });
          setTimeout(() => req.end(body.slice(20)), 300);
        }, 300);
      }, 100);
    });
    let exitCode!: Promise<number | null>;
    let newConnection!: Promise<string>;
    const r = await response;
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).text, 'Finish me during shutdown');
    assert.equal(await newConnection, 'ECONNREFUSED', 'no new connection once shutting down');
    assert.equal(await exitCode, 0);
    const db = await openDb(fresh.url, { poolMax: 1 });
    try {
      const deliveries = await deliveriesOf(db.kysely, { subscriptionId });
      // The first task's delivery was in flight at the signal; the second task's was
      // queued after it and waits in the outbox for the next start.
      assert.deepEqual(
        deliveries.map((d) => [d.state, d.last_status]),
        [
          ['delivered', 200],
          ['pending', null],
        ],
      );
    } finally {
      await db.close();
    }
  } finally {
    await node.stop();
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
    await fresh.drop();
  }
});
