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
import { createUser, setMemberActive } from '../../src/crm/accounts.js';
import { writeTransaction } from '../../src/db/executor.js';

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

/**
 * Close's official scripts (closeio/close-api-scripts) begin with `GET api_key/<key>`
 * for the organization, then read `GET organization/<id>`'s memberships and
 * `inactive_memberships` (D35). `officialScriptClient` sends what closeio_api's `API`
 * sends (`base_url + endpoint + '/'`, the key as Basic user name with an empty
 * password, `Content-Type: application/json` and `X-TZ-Offset` on every request, a
 * body as JSON) and encodes parameters as `requests` does (`False`/`True`, lists as
 * repeated keys); `status` is kept so a script's first failing call shows.
 */
function officialScriptClient(baseUrl: string, key: string) {
  const headers = { authorization: 'Basic ' + Buffer.from(`${key}:`).toString('base64'), 'content-type': 'application/json', 'x-tz-offset': '-8.0' };
  const query = (params: Record<string, unknown> = {}) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const item of Array.isArray(v) ? v : [v]) q.append(k, typeof item === 'boolean' ? (item ? 'True' : 'False') : String(item));
    const text = q.toString();
    return text ? '?' + text : '';
  };
  const send = async (method: string, endpoint: string, params?: Record<string, unknown>, data?: unknown) => {
    const r = await fetch(baseUrl + endpoint + '/' + query(params), { method, headers, body: data === undefined ? undefined : JSON.stringify(data) });
    const body = await r.json();
    if (!r.ok) throw new Error(`${method} ${endpoint}: ${r.status} ${JSON.stringify(body)}`);
    return body;
  };
  return {
    get: (endpoint: string, params?: Record<string, unknown>) => send('GET', endpoint, params),
    put: (endpoint: string, data: unknown) => send('PUT', endpoint, undefined, data),
    delete: (endpoint: string) => send('DELETE', endpoint),
  };
}

/** A member who left, with tasks, made inactive (D35): what the scripts look for. */
async function inactiveMemberWithTasks(email: string) {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const leaver = await createUser(h.db.kysely, h.orgId, { email, first_name: 'Leo', last_name: email.split('@')[0] }, t0);
  const lead = (await h.req('POST', '/api/v1/lead/', { body: { name: `Left by ${email}` } })).body.id;
  const tasks = [];
  for (const [i, done] of [false, false, true].entries()) {
    tasks.push((await h.req('POST', '/api/v1/task/', { body: { lead_id: lead, text: `left ${i}`, assigned_to: leaver.id, is_complete: done } })).body.id);
  }
  await writeTransaction(h.db, (trx) => setMemberActive(trx, h.orgId, leaver.id, false, Date.now()));
  return { id: leaver.id, email, tasks };
}

test("official scripts (wire behaviour): delete_tasks_for_inactive_users, user_reassign and the exports get past their first calls (D35)", async () => {
  const api = officialScriptClient(base + '/api/v1/', h.user.key);
  // sample_script.py and the exports: the organization from the key, its name and members.
  const orgId = (await api.get('api_key/' + h.user.key)).organization_id;
  assert.equal(orgId, h.orgId);
  assert.equal((await api.get('organization/' + orgId, { _fields: 'name' })).name, 'Acme');
  const leaver = await inactiveMemberWithTasks('leo.delete@acme.test');
  const org = await api.get('organization/' + orgId);
  const names = Object.fromEntries([...org.memberships, ...org.inactive_memberships].map((m: { user_id: string; user_full_name: string }) => [m.user_id, m.user_full_name]));
  assert.equal(names[leaver.id], 'Leo leo.delete');
  assert.equal(names[h.user.id], 'Ann Lee');

  // delete_tasks_for_inactive_users.py: every task of every inactive member, paged by 100, then deleted.
  const inactive = org.inactive_memberships.map((m: { user_id: string }) => m.user_id);
  assert.deepEqual(inactive, [leaver.id]);
  const taskIds: string[] = [];
  for (const userId of inactive) {
    for (let skip = 0, more = true; more; skip += 100) {
      const page = await api.get('task', { assigned_to: userId, _skip: skip, _limit: 100, _fields: 'id' });
      taskIds.push(...page.data.map((t: { id: string }) => t.id));
      more = page.has_more;
    }
  }
  assert.deepEqual(taskIds.sort(), [...leaver.tasks].sort());
  for (const id of taskIds) assert.deepEqual(await api.delete('task/' + id), {});
  assert.deepEqual((await api.get('task', { assigned_to: leaver.id })).data, []);

  // user_reassign.py --tasks: from an inactive member (found by id) to an active one (found by email).
  const from = await inactiveMemberWithTasks('leo.reassign@acme.test');
  const emailsToIds: Record<string, string> = {};
  for (let offset = 0, more = true; more; ) {
    const page = await api.get('user', { _skip: offset });
    for (const u of page.data) emailsToIds[u.email] = u.id;
    offset += page.data.length;
    more = page.has_more;
  }
  assert.equal((await api.get('user/' + from.id, { _fields: 'id,email' })).email, 'leo.reassign@acme.test');
  const to = emailsToIds['ken@acme.test'];
  const open: string[] = [];
  for (let offset = 0, more = true; more; ) {
    const page = await api.get('task', { assigned_to: from.id, _order_by: 'date_created', _skip: offset, _fields: 'id', is_complete: false });
    open.push(...page.data.map((t: { id: string }) => t.id));
    offset += page.data.length;
    more = page.has_more;
  }
  assert.deepEqual([...open].sort(), from.tasks.slice(0, 2).sort());
  for (const id of open) assert.equal((await api.put('task/' + id, { assigned_to: to })).assigned_to, to);
  assert.deepEqual((await api.get('task', { assigned_to: from.id, is_complete: false })).data, []);
});

const PYTHON_OFFICIAL_SCRIPTS = String.raw`
import json, sys, requests

class API(object):
    """What closeio_api.API does on the wire (closeio_api/__init__.py), minus retries."""
    def __init__(self, base_url, api_key, tz_offset='-8.0'):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.auth = (api_key, '')
        self.session.headers.update({'Content-Type': 'application/json', 'X-TZ-Offset': tz_offset})
    def _dispatch(self, method, endpoint, params=None, data=None):
        r = self.session.send(self.session.prepare_request(requests.Request(method, self.base_url + endpoint, params=params, json=data)))
        if not r.ok:
            raise Exception('%s %s: %d %s' % (method, endpoint, r.status_code, r.text))
        return r.json()
    def get(self, endpoint, params=None):
        return self._dispatch('get', endpoint + '/', params=params)
    def put(self, endpoint, data):
        return self._dispatch('put', endpoint + '/', data=data)
    def delete(self, endpoint):
        return self._dispatch('delete', endpoint + '/')

base_url, key = sys.argv[1], sys.argv[2]
api = API(base_url, key)
out = {}
# delete_tasks_for_inactive_users.py (both versions' first calls)
org_id = api.get('api_key/' + key)['organization_id']
assert api.get('me')['organizations'][0]['id'] == org_id
org = api.get('organization/' + org_id)
inactive_users = [m['user_id'] for m in org['inactive_memberships']]
out['inactive'] = inactive_users
task_ids = []
for user_id in inactive_users:
    has_more, skip, limit = True, 0, 100
    while has_more:
        resp = api.get('task', params={'assigned_to': user_id, '_skip': skip, '_limit': limit, '_fields': 'id'})
        task_ids.extend(t['id'] for t in resp['data'])
        has_more = resp['has_more']
        skip += limit
out['found'] = sorted(task_ids)
for task_id in task_ids:
    api.delete('task/' + task_id)
out['left'] = sum(len(api.get('task', params={'assigned_to': u})['data']) for u in inactive_users)
# export_call_data.py: names of active and inactive members
out['names'] = sorted(m['user_full_name'] for m in org['memberships'] + org['inactive_memberships'])
print(json.dumps(out))
`;

test('official scripts through Python requests, as closeio_api sends them: delete_tasks_for_inactive_users end to end (D35)', { skip: !pythonWithRequests() && 'python3 with requests is not installed' }, async () => {
  const leaver = await inactiveMemberWithTasks('leo.python@acme.test');
  const { spawn } = await import('node:child_process');
  const child = spawn('python3', ['-c', PYTHON_OFFICIAL_SCRIPTS, base + '/api/v1/', h.user.key]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const out = JSON.parse(stdout);
  assert.ok(out.inactive.includes(leaver.id));
  for (const id of leaver.tasks) assert.ok(out.found.includes(id), `found ${id}`);
  assert.equal(out.left, 0);
  assert.ok(out.names.includes('Leo leo.python') && out.names.includes('Ann Lee'));
});
