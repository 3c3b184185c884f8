/**
 * HTTP conventions and robustness: paths (D1), `_params` and method override (D3),
 * bodies (D4), authentication (D27), error shapes (D26), and no 500 for anything a
 * client sends (D28). Also the user, lead and contact endpoints clients need.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeLead, makeTask, basic, type Harness } from '../support/helpers.js';
import type { LeadTask, TaskListResponse, TaskBulkResponse } from '../../src/schemas/task-response.js';
import type { MeResponse } from '../../src/schemas/account-response.js';
import { UNAUTHORIZED_TEXT } from '../../src/close/errors.js';

let h: Harness;
let leadId: string;
before(async () => {
  h = await harness({ timezone: 'Europe/London' });
  leadId = await makeLead(h);
});
after(() => h.close());

test('paths work with and without the trailing slash and with a doubled slash, without redirects (D1)', async () => {
  const t = await makeTask(h, { lead_id: leadId, text: 'slashes' });
  for (const url of ['/api/v1/task/', '/api/v1/task', '/api/v1//task/', `/api/v1/task/${t.id}`, `/api/v1/task/${t.id}/`, `/api/v1//task/${t.id}/`]) {
    const r = await h.req('GET', url);
    assert.equal(r.status, 200, url);
  }
  const put = await h.req('PUT', `/api/v1/task/${t.id}`, { body: { text: 'no slash' } });
  assert.equal(put.body.text, 'no slash');
});

test('POST with X-HTTP-Method-Override acts as GET, PUT or DELETE, and _params replaces the query string (D3)', async () => {
  const t = await makeTask(h, { lead_id: leadId, text: 'override' });
  const got = await h.req<typeof LeadTask>('POST', '/api/v1/task/?id=nothing', { body: { _params: { id__in: [t.id], _fields: 'id,text' } }, headers: { 'x-http-method-override': 'GET' } });
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, { data: [{ id: t.id, text: 'override' }], has_more: false });
  const put = await h.req<typeof LeadTask>('POST', `/api/v1/task/${t.id}/`, { body: { text: 'overridden' }, headers: { 'X-HTTP-Method-Override': 'put' } });
  assert.equal(put.body.text, 'overridden');
  const bulk = await h.req<typeof LeadTask>('POST', '/api/v1/task/', { body: { _params: { id: t.id }, priority: 'medium' }, headers: { 'x-http-method-override': 'PUT' } });
  assert.deepEqual(bulk.body, { count: 1 });
  const del = await h.req<typeof LeadTask>('POST', `/api/v1/task/${t.id}/`, { headers: { 'x-http-method-override': 'DELETE' } });
  assert.deepEqual(del.body, {});
  assert.equal((await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/`)).status, 404);
  // A plain POST to an object URL is Close's framework answer.
  const plain = await h.req<typeof LeadTask>('POST', `/api/v1/task/${t.id}/`, { body: {} });
  assert.deepEqual([plain.status, plain.body], [404, { error: 'Did you mean to use PUT?' }]);
  const bogus = await h.req<typeof LeadTask>('POST', '/api/v1/task/', { body: {}, headers: { 'x-http-method-override': 'PATCH' } });
  assert.equal(bogus.status, 405);
});

test('bad bodies answer 400 in Close framework words and change nothing (D4)', async () => {
  const cases: [string | undefined, string, string][] = [
    ['application/json', '{"lead_id": ', 'The request contains invalid JSON.'],
    ['application/json', '{"x": NaN}', 'The request contains invalid JSON.'],
    ['application/json', '[1, 2]', 'JSON data must be a dict.'],
    ['application/json', '"text"', 'JSON data must be a dict.'],
    ['application/json', 'null', 'JSON data must be a dict.'],
    ['text/plain', `{"lead_id": "${leadId}"}`, "Please send valid JSON with a 'Content-Type: application/json' header."],
    ['application/x-www-form-urlencoded', 'lead_id=x', "Please send valid JSON with a 'Content-Type: application/json' header."],
  ];
  for (const [type, raw, error] of cases) {
    const r = await h.req<typeof LeadTask>('POST', '/api/v1/task/', { rawBody: raw, headers: type ? { 'content-type': type } : {} });
    assert.deepEqual([r.status, r.body], [400, { error }], raw);
  }
  const big = await h.req('POST', '/api/v1/task/', { rawBody: JSON.stringify({ lead_id: leadId, text: 'x'.repeat(1024 * 1024 + 10) }), headers: { 'content-type': 'application/json' } });
  assert.equal(big.status, 413);
  assert.ok(big.body.error);
  // The Python client sends Content-Type: application/json on GET and DELETE without a body.
  const t = await makeTask(h, { lead_id: leadId, text: 'python' });
  assert.equal((await h.req<typeof TaskListResponse>('GET', '/api/v1/task/', { headers: { 'content-type': 'application/json' } })).status, 200);
  assert.equal((await h.req('DELETE', `/api/v1/task/${t.id}/`, { headers: { 'content-type': 'application/json' } })).status, 200);
  assert.equal((await h.req<typeof LeadTask>('POST', '/api/v1/task/', { rawBody: JSON.stringify({ lead_id: leadId }), headers: { 'content-type': 'application/json; charset=utf-8' } })).status, 200);
});

test('authentication: key as Basic username or Bearer token; anything else is 401 with Werkzeug text (D27)', async () => {
  const ok = async (authorization: string) => (await h.app.inject({ method: 'GET', url: '/api/v1/me/', headers: { authorization } })).statusCode;
  assert.equal(await ok(basic(h.user.key)), 200);
  assert.equal(await ok('Bearer ' + h.user.key), 200);
  assert.equal(await ok('Basic ' + Buffer.from(h.user.key).toString('base64')), 200, 'no colon at all');
  for (const bad of ['', 'Basic', 'Basic !!!', basic('api_wrong'), basic(''), 'Bearer ', 'Bearer api_wrong', 'Token ' + h.user.key, basic(h.user.key.slice(0, -1))]) {
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/task/', headers: bad ? { authorization: bad } : {} });
    assert.equal(r.statusCode, 401, bad);
    assert.deepEqual(JSON.parse(r.body), { error: UNAUTHORIZED_TEXT });
    assert.equal(r.headers['www-authenticate'], undefined);
  }
  // Keys are stored hashed.
  const stored = await h.db.kysely.selectFrom('api_keys').select('key_hash').execute();
  assert.ok(stored.every((k) => k.key_hash.length === 64 && !k.key_hash.includes(h.user.key)));
});

test('GET /openapi.json documents every route with its parameters and body schema', async () => {
  const r = await h.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(r.statusCode, 200);
  const doc = JSON.parse(r.body);
  assert.equal(doc.openapi, '3.1.0');
  // As Close's document: the server is `/api/v1`, paths are relative to it.
  assert.deepEqual(doc.servers.map((s: { url: string }) => s.url), ['/api/v1']);
  assert.deepEqual(Object.keys(doc.paths['/task/']).sort(), ['get', 'post', 'put']);
  assert.deepEqual(Object.keys(doc.paths['/task/{id}/']).sort(), ['delete', 'get', 'put']);
  const listParams = doc.paths['/task/'].get.parameters.map((p: { name: string }) => p.name);
  for (const p of ['_limit', '_skip', '_fields', 'view', 'date__lt', 'due_date__gte', 'date_updated__gt', '_order_by', 'format']) assert.ok(listParams.includes(p), p);
  assert.ok(doc.paths['/task/'].post.requestBody.content['application/json'].schema.properties.lead_id);
});

test('unknown URLs answer 404 with an error body', async () => {
  const r = await h.req('GET', '/api/v1/nothing-here/');
  assert.equal(r.status, 404);
  assert.ok(typeof r.body.error === 'string');
});

test('GET /me/, /user/, /user/{id}/ and /organization/{id}/ describe the caller and colleagues', async () => {
  const me = (await h.req<typeof MeResponse>('GET', '/api/v1/me/')).body;
  assert.equal(me.id, h.user.id);
  assert.equal(me.first_name, 'Ann');
  assert.equal(me.last_used_timezone, 'Europe/London');
  assert.equal(me.organizations[0].id, h.orgId);
  const users = (await h.req('GET', '/api/v1/user/')).body;
  assert.deepEqual(users.data.map((u: any) => u.id).sort(), [h.user.id, h.colleague.id].sort());
  assert.equal(users.has_more, false);
  assert.equal((await h.req('GET', `/api/v1/user/${h.colleague.id}/`)).body.last_name, 'Sato');
  assert.equal((await h.req('GET', `/api/v1/user/${h.outsider.id}/`)).status, 404);
  const org = (await h.req('GET', `/api/v1/organization/${h.orgId}/`)).body;
  assert.equal(org.currency, 'USD');
  assert.equal(org.currency_symbol, '$');
  assert.equal(org.memberships.length, 2);
  assert.equal((await h.req('GET', `/api/v1/organization/${h.outsider.orgId}/`)).status, 404);
});

test('leads and contacts: create with contacts, list, fetch, update, nested phone errors', async () => {
  const r = await h.req('POST', '/api/v1/lead/', { body: { name: 'Sitwell Enterprises', contacts: [{ name: 'Stan', emails: [{ email: 'stan@sitwell.example' }], phones: [{ phone: '+44 808 189 4428', type: 'mobile' }] }] } });
  assert.equal(r.status, 200);
  assert.equal(r.body.contacts[0].phones[0].phone_formatted, '+44 808 189 4428');
  assert.equal(r.body.contacts[0].emails[0].email, 'stan@sitwell.example');
  const bad = await h.req('POST', '/api/v1/lead/', { body: { name: 'Bad', contacts: [{ name: 'X', phones: [{ phone: 'not a phone' }] }] } });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body, {
    errors: [],
    'field-errors': { contacts: { errors: { '0': { errors: [], 'field-errors': { phones: { errors: { '0': { errors: [], 'field-errors': { phone: 'Invalid phone number.' } } } } } } } } },
  });
  const list = (await h.req('GET', '/api/v1/lead/?query=name:Sitwell')).body;
  assert.equal(list.data.length, 1);
  assert.equal(list.total_results, 1);
  const contacts = (await h.req('GET', `/api/v1/contact/?lead_id=${r.body.id}`)).body;
  assert.equal(contacts.data[0].name, 'Stan');
  assert.equal((await h.req('POST', '/api/v1/contact/', { body: { name: 'No lead' } })).body['field-errors'].lead, 'This field is required.');
  assert.equal((await h.req('GET', `/api/v1/contact/${contacts.data[0].id}/`, { as: h.outsider })).status, 404);
});

test('no request answers 500 because of what it sent (D28)', async () => {
  const t = await makeTask(h, { lead_id: leadId, text: 'fuzz target' });
  const queries = [
    '_limit=1e3', '_limit=%00', '_skip=1e400', 'date__lt=%FF', 'date=9999-12-31T23:59:59.999999-23:59', 'date=0001-01-01T00:00:00+23:59',
    'id__in=' + ','.repeat(5000), '_type__in=,,,', 'view=%00', 'is_complete[]=1', 'a[b]=c', '_order_by=-', 'assigned_to=%27%3B--',
    '_fields=' + 'x,'.repeat(3000), 'date_created__gte=2015-01-01T00:00:00%2B14:00', '%=%', 'lead_id=' + 'x'.repeat(5000),
  ];
  for (const q of queries) {
    const r = await h.req<typeof TaskListResponse>('GET', '/api/v1/task/?' + q);
    assert.ok(r.status < 500, `${q} -> ${r.status} ${r.raw.slice(0, 200)}`);
    assert.ok(r.body && typeof r.body === 'object', q);
  }
  const bodies: unknown[] = [
    { date: 12 }, { date: {} }, { date: [] }, { assigned_to: null }, { assigned_to: 5 }, { text: null }, { text: 5 }, { is_complete: null },
    { lead_id: { $ne: null } }, { contact_id: 'cont_nope' }, { contact_id: 5 }, { priority: 5 }, { resolution: 'done' }, { due_date: 'x' },
    { is_dateless: 'true' }, { _params: 'x' }, { _params: [1] }, { _params: { id: { a: 1 } } }, { date: '2015-02-29' }, { date: '99999-01-01' },
  ];
  for (const body of bodies) {
    for (const [method, url] of [['POST', '/api/v1/task/'], ['PUT', `/api/v1/task/${t.id}/`], ['PUT', `/api/v1/task/?id=${t.id}`]]) {
      const r = await h.req(method, url, { body: { lead_id: leadId, ...(body as object) } });
      assert.ok(r.status < 500, `${method} ${url} ${JSON.stringify(body)} -> ${r.status} ${r.raw}`);
    }
  }
  for (const header of ['99', '-99', 'x', '1,2', '  ', '+-1', '٣']) {
    const r = await h.req<typeof TaskListResponse>('GET', '/api/v1/task/', { headers: { 'x-tz-offset': header } });
    assert.ok(r.status === 200 || r.status === 400, header);
  }
  // The target survived everything with its text.
  assert.equal((await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/`)).body.text, 'fuzz target');
});

test('edge input answers in Close shapes: empty view, huge _skip, long lists, many _fields, _all', async () => {
  const lead = await makeLead(h, 'Edges');
  const t = await makeTask(h, { lead_id: lead, text: 'edge' });
  // An empty view is not "no filter" (D15): a bulk update with it changes nothing.
  for (const url of ['/api/v1/task/?view=', '/api/v1/task/?view=%20']) {
    assert.equal((await h.req('GET', url)).status, 400, url);
    assert.equal((await h.req('PUT', url, { body: { is_complete: true } })).status, 400, url);
  }
  assert.equal((await h.req<typeof TaskBulkResponse>('PUT', '/api/v1/task/', { body: { _params: { view: '' }, is_complete: true } })).status, 400);
  assert.equal((await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/`)).body.is_complete, false);
  // D7: no maximum _skip; past the end is an empty page, whatever the size.
  for (const skip of ['9223372036854775808', '99999999999999999999']) {
    assert.deepEqual((await h.req<typeof TaskListResponse>('GET', `/api/v1/task/?_skip=${skip}`)).body, { data: [], has_more: false });
    assert.equal((await h.req('GET', `/api/v1/lead/?_skip=${skip}`)).status, 200);
  }
  // Long id lists: repeats collapse; more than 10000 distinct values is a 400, not a 500.
  const override = { 'x-http-method-override': 'GET' };
  const repeated = await h.req<typeof TaskListResponse>('POST', '/api/v1/task/', { body: { _params: { id__in: Array(15_000).fill(t.id).join(',') } }, headers: override });
  assert.deepEqual(repeated.body.data.map((x) => x.id), [t.id]);
  const many = await h.req('POST', '/api/v1/task/', { body: { _params: { id__in: Array.from({ length: 10_001 }, (_, i) => `task_${i}`).join(',') } }, headers: override });
  assert.equal(many.status, 400);
  assert.ok(many.body['field-errors'].id__in);
  // Many _fields names: only the known ones come back; `_all` means every field.
  const names = Array.from({ length: 20_000 }, (_, i) => `f${i}`).concat(['id', 'text']).join(',');
  const projected = await h.req<typeof TaskListResponse>('POST', '/api/v1/task/', { body: { _params: { id: t.id, _fields: names } }, headers: override });
  assert.deepEqual(projected.body.data, [{ id: t.id, text: 'edge' }]);
  assert.deepEqual((await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/?_fields=_all`)).body, (await h.req<typeof LeadTask>('GET', `/api/v1/task/${t.id}/`)).body);
});

test('wrong methods answer 405 and malformed URLs or HTTP answer {"error": ...}', async () => {
  for (const [method, url] of [['PATCH', '/api/v1/task/x/'], ['DELETE', '/api/v1/task/'], ['OPTIONS', '/api/v1/task/'], ['PATCH', '/api/v1/lead/']]) {
    const r = await h.req(method, url);
    assert.deepEqual([r.status, r.body], [405, { error: 'The method is not allowed for the requested URL.' }], `${method} ${url}`);
  }
  const bad = await h.req('GET', '/api/v1/task/%ZZ/');
  assert.deepEqual([bad.status, Object.keys(bad.body)], [400, ['error']]);
  const long = await h.req<typeof LeadTask>('GET', `/api/v1/task/${'x'.repeat(2000)}/`);
  assert.deepEqual([long.status, Object.keys(long.body)], [414, ['error']]);
  // What Node's HTTP parser refuses never reaches a route; it still answers JSON.
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const { connect } = await import('node:net');
  const raw = (text: string) =>
    new Promise<string>((resolve) => {
      const s = connect(Number(new URL(base).port), '127.0.0.1', () => s.write(text));
      let out = '';
      s.on('data', (d) => (out += d));
      s.on('close', () => resolve(out));
      s.on('error', () => resolve(out));
    });
  for (const text of ['FOO /api/v1/task/ HTTP/1.1\r\nHost: x\r\n\r\n', 'POST /api/v1/task/ HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n']) {
    const out = await raw(text);
    assert.match(out, /^HTTP\/1\.1 400 /);
    assert.deepEqual(JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4)), { error: 'The request is not valid HTTP.' });
  }
});

test("a task's contact must be on the task's lead", async () => {
  const a = await makeLead(h, 'Lead A');
  const b = await makeLead(h, 'Lead B');
  const cb = (await h.req('POST', '/api/v1/contact/', { body: { lead_id: b, name: 'On B' } })).body.id;
  const bad = await h.req<typeof LeadTask>('POST', '/api/v1/task/', { body: { lead_id: a, contact_id: cb } });
  assert.deepEqual(bad.body, { errors: [], 'field-errors': { contact: "The contact is not on the task's lead." } });
  const t = await makeTask(h, { lead_id: a, text: 'x' });
  assert.equal((await h.req<typeof LeadTask>('PUT', `/api/v1/task/${t.id}/`, { body: { contact_id: cb } })).status, 400);
  // Moving the task to the contact's lead with it is fine.
  assert.equal((await h.req<typeof LeadTask>('PUT', `/api/v1/task/${t.id}/`, { body: { contact_id: cb, lead_id: b } })).body.contact_name, 'On B');
});
