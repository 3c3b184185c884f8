/**
 * The typed client `tasklane/client` (issue 11) against a live server (`listen` on a
 * loopback port, real HTTP): list, create, update, errors, and `paginate` through 250
 * tasks; and the README's client sample, run as written against the same server
 * through the package's `exports` (the built `dist/client`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { harness, makeLead, type Harness } from '../support/helpers.js';
import { TasklaneError, apiBaseUrl, createTasklaneClient, type Schema, type TasklaneClient } from '../../src/client/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
let h: Harness;
let url: string;
let client: TasklaneClient;

before(async () => {
  h = await harness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  client = createTasklaneClient({ baseUrl: url, apiKey: h.user.key });
});
after(() => h.close());

test('the base URL gets /api/v1 once', () => {
  assert.equal(apiBaseUrl('http://h:1'), 'http://h:1/api/v1');
  assert.equal(apiBaseUrl('http://h:1/'), 'http://h:1/api/v1');
  assert.equal(apiBaseUrl('http://h:1/api/v1/'), 'http://h:1/api/v1');
});

test('creates, reads, updates and lists tasks with typed answers', async () => {
  const lead = await makeLead(h, 'Client Co');
  const created = await client.POST('/task/', { body: { lead_id: lead, text: 'Send the quote', date: '2026-03-10' } });
  assert.equal(created.response.status, 200);
  const task = created.data!;
  assert.equal(task._type, 'lead');
  assert.equal(task.lead_name, 'Client Co');
  assert.equal(task.view, 'inbox');

  const me = await client.GET('/me/');
  assert.equal(task.assigned_to, me.data!.id);

  const updated = await client.PUT('/task/{id}/', { params: { path: { id: task.id } }, body: { is_complete: true } });
  assert.equal(updated.data!.is_complete, true);
  assert.equal(updated.data!.view, 'archive');

  const one = await client.GET('/task/{id}/', { params: { path: { id: task.id }, query: { _fields: 'id,is_complete' } } });
  assert.deepEqual(one.data, { id: task.id, is_complete: true });

  const list = await client.GET('/task/', { params: { query: { lead_id: lead, view: 'archive' } } });
  assert.deepEqual(list.data!.data.map((t: Schema<'Task'>) => t.id), [task.id]);
  assert.equal(list.data!.has_more, false);

  const bulk = await client.PUT('/task/', { params: { query: { lead_id: lead } }, body: { is_complete: false } });
  assert.deepEqual(bulk.data, { count: 1 });

  const missing = await client.GET('/task/{id}/', { params: { path: { id: 'task_nope' } } });
  assert.equal(missing.response.status, 404);
  assert.deepEqual(missing.error, { error: 'Empty query: Task matching query does not exist.' });
  assert.equal(missing.data, undefined);
});

test('paginate walks 250 tasks page by page until has_more is false', async () => {
  const lead = await makeLead(h, 'Many Tasks Inc');
  for (let i = 0; i < 250; i++) {
    const r = await client.POST('/task/', { body: { lead_id: lead, text: `Task ${i}`, date: '2026-03-11' } });
    assert.equal(r.response.status, 200);
  }
  const seen: string[] = [];
  const texts = new Set<string>();
  for await (const t of client.paginate('/task/', { lead_id: lead }, 60)) {
    seen.push(t.id);
    if (t._type === 'lead' && t.text) texts.add(t.text);
  }
  assert.equal(seen.length, 250);
  assert.equal(new Set(seen).size, 250, 'no task twice');
  assert.equal(texts.size, 250);
  // The same walk with the default page size, and on another list (users).
  let n = 0;
  for await (const _ of client.paginate('/task/', { lead_id: lead })) n++;
  assert.equal(n, 250);
  const users = [];
  for await (const u of client.paginate('/user/', {}, 1)) users.push(u.id);
  assert.deepEqual(users.sort(), [h.user.id, h.colleague.id].sort());
});

test('paginate throws TasklaneError with the status and Close error body', async () => {
  const bad = createTasklaneClient({ baseUrl: url, apiKey: 'api_wrong' });
  await assert.rejects(
    async () => {
      for await (const _ of bad.paginate('/task/')) assert.fail('no page for a wrong key');
    },
    (e: unknown) => e instanceof TasklaneError && e.status === 401 && typeof (e.body as { error: string }).error === 'string',
  );
});

test("the README's client sample runs as written through tasklane/client", async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const sample = /<!-- client-sample -->\s*```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(sample, 'README has the client sample');
  const dir = join(ROOT, '.tmp', `client-sample-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const file = join(dir, 'sample.mts');
    writeFileSync(file, sample[1]);
    const lead = await makeLead(h, 'Sample Lead');
    await client.POST('/task/', { body: { lead_id: lead, text: 'From the sample test', date: '2026-03-10' } });
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], {
      env: { ...process.env, TASKLANE_URL: url, TASKLANE_KEY: h.user.key },
      cwd: ROOT,
    });
    assert.match(stdout, /^Ann Lee has \d+ open tasks in the inbox$/m);
    assert.match(stdout, /From the sample test/);
    // It type-checks too, against the package's published types (dist/client/index.d.ts).
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node', file];
    await promisify(execFile)(process.execPath, [tsc, ...args], { cwd: ROOT });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
