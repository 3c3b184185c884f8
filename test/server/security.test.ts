/**
 * The shared security suite (issue 8; D26, D27), generated from the route list
 * (`closeRoutes`), so a route added later is covered or makes this suite fail:
 *
 * - every route without a key, and with a key that does not exist: 401 in Werkzeug's
 *   words, as JSON;
 * - every route that names an object (`:id`), asked by a member of another
 *   organization for this organization's object: 404, never a 403 or a field;
 * - every list, asked by the other organization, with this organization's ids as
 *   filters: none of them in the answer; the bulk update with them changes nothing;
 * - every write body that names an object, sent by the other organization with this
 *   organization's ids (leads, contacts, users, threads): 400 "Object does not exist."
 *   (D20; a foreign id is treated as no id) or 404, and nothing is created;
 * and after all of it, everything this organization holds is exactly as it was.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeLead, makeTask, type Harness, type Res, type TestUser } from '../support/helpers.js';
import type { TaskBulkResponse } from '../../src/schemas/task-response.js';
import { closeRoutes } from '../../src/server/app.js';
import { UNAUTHORIZED_TEXT } from '../../src/close/errors.js';

let h: Harness;
/** Ids of this organization's objects, by the route segment that serves them. */
const mine: Record<string, string> = {};
/** The outsider's own objects, to send this organization's ids in their updates. */
const theirs: Record<string, string> = {};
let snapshotBefore: string;

const ok = (r: Res, what: string) => assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.raw}`);

/** Everything the organization holds, as its own user lists it (the "changes nothing" check). */
async function snapshot(): Promise<string> {
  const lists = [
    '/task/?_type=all&_limit=1000',
    '/lead/?_limit=200',
    '/contact/?_limit=200',
    '/opportunity/?_limit=250',
    '/activity/call/',
    '/activity/email/',
    '/activity/emailthread/',
    '/activity/sms/',
    '/activity/task_completed/',
    '/webhook/',
    '/event/?_limit=50',
    '/user/',
    `/organization/${h.orgId}/`,
  ];
  const out: Record<string, unknown> = {};
  for (const l of lists) {
    const r = await h.req('GET', '/api/v1' + l);
    ok(r, l);
    out[l] = r.body;
  }
  return JSON.stringify(out);
}

/** Creates one object of every kind in this organization (as its user) and in the outsider's. */
async function populate(as: TestUser | undefined, into: Record<string, string>): Promise<void> {
  const post = async (url: string, body: unknown) => {
    const r = await h.req('POST', '/api/v1' + url, { body, as });
    ok(r, `POST ${url}`);
    return r.body;
  };
  const lead = await post('/lead/', { name: 'Secret Co', contacts: [{ name: 'Sam Secret', phones: [{ phone: '+1 415 555 0101' }], emails: [{ email: 'sam@secret.test' }] }] });
  into.lead = lead.id;
  into.contact = lead.contacts[0].id;
  into.task = (await makeTask(h, { lead_id: lead.id, text: 'secret task' }, as)).id;
  const done = await makeTask(h, { lead_id: lead.id, text: 'done', is_complete: true }, as);
  into['activity/task_completed'] = done.object_id ?? '';
  into['activity/call'] = (await post('/activity/call/', { direction: 'inbound', status: 'no-answer', phone: '+1 415 555 0101' })).id;
  const email = await post('/activity/email/', { status: 'inbox', sender: 'sam@secret.test', subject: 'Secret', body_text: 'psst', lead_id: lead.id });
  into['activity/email'] = email.id;
  into['activity/emailthread'] = email.thread_id;
  into['activity/sms'] = (await post('/activity/sms/?send_to_inbox=true', { status: 'inbox', remote_phone: '+1 415 555 0101', text: 'hi', lead_id: lead.id })).id;
  into.opportunity = (await post('/opportunity/', { lead_id: lead.id, value: 1000, date_won: '2026-03-12' })).id;
  into.webhook = (await post('/webhook/', { url: 'https://example.com/hook', events: [{ object_type: 'task.lead', action: 'created' }] })).id;
  const events = await h.req('GET', '/api/v1/event/?_limit=1', { as });
  into.event = events.body.data[0].id;
}

before(async () => {
  h = await harness();
  await populate(undefined, mine);
  mine.user = h.user.id;
  mine.organization = h.orgId;
  // `GET /api_key/{key}/` names a key by its secret (D35): another organization asking for this one's gets a 404.
  mine.api_key = h.user.key;
  await populate(h.outsider, theirs);
  theirs.user = h.outsider.id;
  theirs.organization = h.outsider.orgId;
  theirs.api_key = h.outsider.key;
  snapshotBefore = await snapshot();
});
after(() => h.close());

/** The id kind of a route's `:id` (its URL up to `:id`, without slashes), e.g. `activity/call`. */
function kindOf(url: string): string {
  return url.slice(1, url.indexOf(':id') - 1);
}

/** `url` with `:id` replaced by the id of `kind` in `ids`. @throws when the suite has no such object (add it to `populate`). */
function urlFor(url: string, ids: Record<string, string>): string {
  if (!url.includes(':id')) return '/api/v1' + url;
  const id = ids[kindOf(url)];
  if (!id) throw new Error(`the security suite has no object for ${url}: add one to populate()`);
  return '/api/v1' + url.replace(':id', id);
}

/**
 * Bodies for a write route, each naming exactly one of this organization's objects
 * where the route takes a reference (the rest of the body is the caller's own or
 * nothing), so each reference is checked on its own.
 */
function foreignBodies(method: string, url: string): Record<string, unknown>[] {
  const call = { direction: 'inbound', status: 'no-answer', phone: '+1 415 555 0101' };
  const sms = { status: 'inbox', remote_phone: '+1 415 555 0101' };
  switch (`${method} ${url}`) {
    case 'POST /task/':
      return [{ lead_id: mine.lead }, { lead_id: theirs.lead, contact_id: mine.contact }, { lead_id: theirs.lead, assigned_to: mine.user }];
    case 'PUT /task/':
    case 'PUT /task/:id/':
      return [{ lead_id: mine.lead }, { contact_id: mine.contact }, { assigned_to: mine.user }];
    case 'POST /contact/':
      return [{ lead_id: mine.lead, name: 'Intruder' }];
    case 'PUT /contact/:id/':
      return [{ lead_id: mine.lead }];
    case 'POST /activity/call/':
    case 'PUT /activity/call/:id/':
      return [{ ...call, lead_id: mine.lead }, { ...call, contact_id: mine.contact }, { ...call, user_id: mine.user }];
    case 'POST /activity/email/':
      return [
        { status: 'inbox', sender: 'sam@secret.test', subject: 'Re: Secret', thread_id: mine['activity/emailthread'] },
        { status: 'inbox', sender: 'sam@secret.test', subject: 'Re: Secret', in_reply_to_id: mine['activity/email'] },
        { status: 'inbox', sender: 'x@y.test', subject: 'Hi', lead_id: mine.lead },
        { status: 'inbox', sender: 'x@y.test', subject: 'Hi', contact_id: mine.contact },
        { status: 'inbox', sender: 'x@y.test', subject: 'Hi', lead_id: theirs.lead, user_id: mine.user },
      ];
    case 'PUT /activity/email/:id/':
      return [{ contact_id: mine.contact }, { user_id: mine.user }];
    case 'POST /activity/sms/':
    case 'PUT /activity/sms/:id/':
      return [{ ...sms, lead_id: mine.lead }, { ...sms, contact_id: mine.contact }, { ...sms, user_id: mine.user }];
    case 'POST /opportunity/':
    case 'PUT /opportunity/:id/':
      return [{ lead_id: mine.lead }, { contact_id: mine.contact }, { user_id: mine.user }];
    default:
      return [];
  }
}

/** Whether `text` mentions any of this organization's object ids (other than shared ones such as a user both belong to). */
function leaks(text: string): string[] {
  return Object.entries(mine)
    .filter(([kind, id]) => kind !== 'user' && id && text.includes(id))
    .map(([kind]) => kind);
}

test('every route answers 401, as JSON in Werkzeug\'s words, without a key or with a key that does not exist (D27)', async () => {
  assert.ok(closeRoutes.length >= 40, `the route list has ${closeRoutes.length} routes`);
  for (const r of closeRoutes) {
    const url = urlFor(r.url, mine);
    const body = r.method === 'POST' || r.method === 'PUT' ? (foreignBodies(r.method, r.url)[0] ?? {}) : undefined;
    for (const authorization of [undefined, 'Basic ' + Buffer.from('api_NoSuchKey0000000000000000000000000000000:').toString('base64'), 'Bearer api_nope']) {
      const res = await h.app.inject({
        method: r.method,
        url,
        headers: { ...(authorization ? { authorization } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
        payload: body ? JSON.stringify(body) : undefined,
      });
      assert.equal(res.statusCode, 401, `${r.method} ${r.url} with ${authorization ?? 'no key'}: ${res.statusCode} ${res.body}`);
      assert.match(String(res.headers['content-type']), /^application\/json/, `${r.method} ${r.url}`);
      assert.deepEqual(JSON.parse(res.body), { error: UNAUTHORIZED_TEXT }, `${r.method} ${r.url}`);
    }
  }
});

test("every route that names an object answers 404 to another organization's key, and shows none of its fields (D26)", async () => {
  const seen = new Set<string>();
  for (const r of closeRoutes.filter((x) => x.url.includes(':id'))) {
    seen.add(kindOf(r.url));
    const body = r.method === 'PUT' ? { text: 'pwned', name: 'pwned', note: 'pwned' } : undefined;
    const res = await h.req(r.method, urlFor(r.url, mine), { as: h.outsider, body });
    assert.equal(res.status, 404, `${r.method} ${r.url} as the other organization: ${res.status} ${res.raw}`);
    assert.deepEqual(leaks(res.raw), [], `${r.method} ${r.url} leaked`);
    assert.equal(typeof res.body.error, 'string', `${r.method} ${r.url}: a Close error body`);
  }
  // Every kind of object the suite made is served by some route (so none goes untested).
  for (const kind of Object.keys(mine)) assert.ok(seen.has(kind), `no :id route for ${kind}`);
});

test("every list, filtered by another organization's ids, answers none of them; a bulk update with them changes nothing", async () => {
  const filters = [
    `id=${mine.task}`,
    `id__in=${mine.task},${mine.lead},${mine.opportunity}`,
    `lead_id=${mine.lead}`,
    `contact_id=${mine.contact}`,
    `user_id=${mine.user}`,
    `assigned_to=${mine.user}`,
    `organization_id=${mine.organization}`,
    `object_id=${mine.task}`,
    `_type=all`,
  ];
  for (const r of closeRoutes.filter((x) => !x.url.includes(':id') && x.method === 'GET')) {
    for (const f of filters) {
      const res = await h.req('GET', urlFor(r.url, theirs) + '?' + f, { as: h.outsider });
      assert.ok(res.status === 200 || res.status === 400, `GET ${r.url}?${f}: ${res.status} ${res.raw}`);
      assert.deepEqual(leaks(res.raw), [], `GET ${r.url}?${f} leaked`);
    }
  }
  for (const f of [`id__in=${mine.task}`, `lead_id=${mine.lead}`, `assigned_to=${mine.user}`, `organization_id=${mine.organization}`]) {
    const res = await h.req<typeof TaskBulkResponse>('PUT', `/api/v1/task/?${f}&_type=all`, { as: h.outsider, body: { is_complete: true } });
    assert.equal(res.status, 200, res.raw);
    assert.deepEqual(res.body, { count: 0 }, `PUT /task/?${f}`);
  }
});

test("every write that names another organization's lead, contact, user or thread is refused with 400 or 404 and creates nothing (D20, D26)", async () => {
  let tried = 0;
  for (const r of closeRoutes.filter((x) => x.method === 'POST' || x.method === 'PUT')) {
    // Routes whose bodies name no object write only in the caller's own organization.
    for (const body of foreignBodies(r.method, r.url)) {
      const url = r.url === '/task/' && r.method === 'PUT' ? `/api/v1/task/?id__in=${theirs.task}` : urlFor(r.url, theirs);
      const res = await h.req(r.method, url + (r.url === '/activity/sms/' && r.method === 'POST' ? '?send_to_inbox=true' : ''), { as: h.outsider, body });
      assert.ok(res.status === 400 || res.status === 404, `${r.method} ${r.url} ${JSON.stringify(body)} as the other organization: ${res.status} ${res.raw}`);
      assert.deepEqual(leaks(res.raw), [], `${r.method} ${r.url} leaked`);
      tried++;
    }
  }
  assert.ok(tried >= 30, `${tried} foreign references tried`);
});

test('after every attempt, the organization holds exactly what it held', async () => {
  assert.equal(await snapshot(), snapshotBefore);
});
