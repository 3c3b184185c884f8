/**
 * Close's clients against a real Tasklane server on a real port: the npm `close.io`
 * package (unchanged; only its hard-coded host is rewritten), and, when python3 with
 * `requests` is present, the wire behaviour of Close's official Python client
 * (`closeio_api`): Basic auth with the key and an empty password, `Content-Type:
 * application/json` and `X-TZ-Offset: -8.0` on every request including GET and DELETE,
 * `base_url + endpoint + '/'`, booleans sent as `False`, lists as repeated keys.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { harness, type Harness } from '../support/helpers.js';

const require = createRequire(import.meta.url);
const Closeio = require('close.io');

let h: Harness;
let base: string;
before(async () => {
  h = await harness({ now: Date.parse('2026-03-10T12:00:00Z') });
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => h.close());

/** A close.io client whose requests go to the test server instead of api.close.com. */
function npmClient(key: string) {
  const client = new Closeio(key);
  const send = client._request.bind(client);
  client._request = (options: { uri: string }) => send({ ...options, uri: options.uri.replace('https://api.close.com', base) });
  return client;
}

test('npm close.io: create, fetch, list with filters, view and paging, update, bulk, delete', async () => {
  const close = npmClient(h.user.key);
  const me = await close.user.me();
  assert.equal(me.id, h.user.id);
  const lead = await close.lead.create({ name: 'Close Client Co', contacts: [{ name: 'Nina', phones: [{ phone: '415-555-0100' }] }] });
  assert.match(lead.id, /^lead_/);
  assert.equal((await close.lead.read(lead.id)).name, 'Close Client Co');

  const created: any[] = [];
  for (let i = 0; i < 5; i++) {
    created.push(await close.task.create({ lead_id: lead.id, text: `Task ${i}`, date: `2026-03-0${i + 5}`, assigned_to: i % 2 ? h.colleague.id : h.user.id }));
  }
  const read = await close.task.read(created[0].id);
  assert.deepEqual(read, created[0]);

  const page1 = await close.task.search({ lead_id: lead.id, _limit: 2, _order_by: 'date' });
  assert.deepEqual(page1.data.map((t: { text: string }) => t.text), ['Task 0', 'Task 1']);
  assert.equal(page1.has_more, true);
  const page3 = await close.task.search({ lead_id: lead.id, _limit: 2, _skip: 4 });
  assert.deepEqual([page3.data.length, page3.has_more], [1, false]);
  const mine = await close.task.search({ lead_id: lead.id, assigned_to: h.colleague.id });
  assert.deepEqual(mine.data.map((t: { text: string }) => t.text), ['Task 1', 'Task 3']);
  const inbox = await close.task.search({ lead_id: lead.id, view: 'inbox' });
  assert.equal(inbox.data.length, 5, 'all five are dated today or earlier (2026-03-10)');
  const future = await close.task.search({ lead_id: lead.id, view: 'future' });
  assert.equal(future.data.length, 0);

  const updated = await close.task.update(created[2].id, { is_complete: true });
  assert.equal(updated.view, 'archive');
  assert.equal(updated.object_type, 'taskcompleted');
  const archive = await close.task.search({ lead_id: lead.id, view: 'archive', _fields: 'id,text' });
  assert.deepEqual(archive.data, [{ id: created[2].id, text: 'Task 2' }]);

  assert.deepEqual(await close.task.delete(created[4].id), {});
  await assert.rejects(async () => await close.task.read(created[4].id), (e: unknown) => (e as { error: string }).error === 'Empty query: Task matching query does not exist.');
  await assert.rejects(async () => await close.task.create({ text: 'no lead' }), (e: unknown) => (e as { 'field-errors': Record<string, string> })['field-errors'].lead === 'This field is required.');

  // A wrong key is a 401 with Close's body.
  await assert.rejects(async () => await npmClient('api_wrong').task.search({}), (e: unknown) => typeof (e as { error: string }).error === 'string');
});

const PYTHON_SCENARIO = String.raw`
import json, sys, requests

base_url, key = sys.argv[1], sys.argv[2]
s = requests.Session()
s.auth = (key, '')
s.headers.update({'Content-Type': 'application/json', 'X-TZ-Offset': '-8.0'})

def call(method, endpoint, params=None, data=None):
    r = s.request(method, base_url + endpoint + '/', params=params, json=data)
    return r.status_code, (r.json() if r.content else None)

out = {}
status, lead = call('post', 'lead', data={'name': 'Python Co'})
out['lead_status'] = status
ids = []
for i in range(3):
    status, t = call('post', 'task', data={'lead_id': lead['id'], 'text': 'py %d' % i, 'date': '2026-03-1%d' % i})
    ids.append(t['id'])
out['created'] = ids
out['fetch'] = call('get', 'task/' + ids[0])[1]['text']
out['list_false'] = [t['text'] for t in call('get', 'task', params={'lead_id': lead['id'], 'is_complete': False})[1]['data']]
out['list_in'] = sorted(t['text'] for t in call('get', 'task', params={'id__in': ids[:2]})[1]['data'])
out['inbox'] = [t['text'] for t in call('get', 'task', params={'lead_id': lead['id'], 'view': 'inbox'})[1]['data']]
out['future'] = [t['text'] for t in call('get', 'task', params={'lead_id': lead['id'], 'view': 'future'})[1]['data']]
out['page'] = call('get', 'task', params={'lead_id': lead['id'], '_limit': 1, '_skip': 1})[1]
out['update'] = call('put', 'task/' + ids[1], data={'text': 'py edited'})[1]['text']
out['bulk'] = call('put', 'task', params={'lead_id': lead['id']}, data={'is_complete': True})[1]
out['archive'] = len(call('get', 'task', params={'lead_id': lead['id'], 'is_complete': True})[1]['data'])
out['delete'] = call('delete', 'task/' + ids[2])
out['deleted_fetch'] = call('get', 'task/' + ids[2])
out['validation'] = call('post', 'task', data={'lead_id': 'lead_nope'})
out['doubled_slash'] = call('get', '/task', params={'_limit': 1})[0]
print(json.dumps(out))
`;

function pythonWithRequests(): boolean {
  const r = spawnSync('python3', ['-c', 'import requests'], { encoding: 'utf8' });
  return r.status === 0;
}

test('the Python client wire behaviour (requests): create, fetch, filters with False and lists, views, paging, update, bulk, delete', { skip: !pythonWithRequests() && 'python3 with requests is not installed' }, async () => {
  // The scenario runs while the server answers, so spawn asynchronously.
  const { spawn } = await import('node:child_process');
  const child = spawn('python3', ['-c', PYTHON_SCENARIO, base + '/api/v1/', h.user.key]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const out = JSON.parse(stdout);
  assert.equal(out.lead_status, 200);
  assert.equal(out.created.length, 3);
  assert.equal(out.fetch, 'py 0');
  assert.deepEqual(out.list_false, ['py 0', 'py 1', 'py 2']);
  assert.deepEqual(out.list_in, ['py 0', 'py 1']);
  // At -8 it is 2026-03-10 04:00: the 10th is today, the 11th and 12th are future.
  assert.deepEqual(out.inbox, ['py 0']);
  assert.deepEqual(out.future, ['py 1', 'py 2']);
  assert.deepEqual([out.page.data.length, out.page.data[0].text, out.page.has_more], [1, 'py 1', true]);
  assert.equal(out.update, 'py edited');
  assert.deepEqual(out.bulk, { count: 3 });
  assert.equal(out.archive, 3);
  assert.deepEqual(out.delete, [200, {}]);
  assert.deepEqual(out.deleted_fetch, [404, { error: 'Empty query: Task matching query does not exist.' }]);
  assert.deepEqual(out.validation, [400, { errors: [], 'field-errors': { lead: 'Object does not exist.' } }]);
  assert.equal(out.doubled_slash, 200);
});
