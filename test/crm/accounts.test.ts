/**
 * Accounts (D35): `GET /api_key/{key}/` answers the caller's own key and nothing else;
 * `GET /organization/{id}/` lists active and inactive memberships; a deactivated user
 * keeps their tasks, can still be looked up and have their tasks reassigned, and their
 * keys answer 401 until they are reactivated. One email per member of an organization.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeLead, makeTask, type Harness } from '../support/helpers.js';
import { createApiKey, createOrganization, createUser, setMemberActive } from '../../src/crm/accounts.js';
import { UNAUTHORIZED_TEXT } from '../../src/close/errors.js';
import { writeTransaction } from '../../src/db/executor.js';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());

const NO_KEY = { error: 'Empty query: ApiKey matching query does not exist.' };

test("GET /api_key/{key}/ answers the caller's own key by its secret or id, without the secret; any other key is a 404 (D35)", async () => {
  const own = await h.req('GET', `/api/v1/api_key/${h.user.key}/`);
  assert.equal(own.status, 200, own.raw);
  assert.deepEqual(Object.keys(own.body), ['date_created', 'id', 'organization_id', 'user_id']);
  assert.equal(own.body.organization_id, h.orgId);
  assert.equal(own.body.user_id, h.user.id);
  assert.equal(own.body.date_created, '2026-01-01T00:00:00+00:00');
  assert.match(own.body.id, /^[A-Za-z0-9_]+$/);
  assert.equal(own.raw.includes(h.user.key), false, 'the secret is never shown');
  // By its id too, and with _fields (the sample script asks for one field of the organization).
  assert.deepEqual((await h.req('GET', `/api/v1/api_key/${own.body.id}/`)).body, own.body);
  assert.deepEqual((await h.req('GET', `/api/v1/api_key/${h.user.key}/?_fields=organization_id`)).body, { organization_id: h.orgId });
  // A colleague's key (secret or id), another organization's, an unknown one: 404.
  const colleagueKeyId = (await h.req('GET', `/api/v1/api_key/${h.colleague.key}/`, { as: h.colleague })).body.id;
  for (const other of [h.colleague.key, colleagueKeyId, h.outsider.key, 'api_NoSuchKey', 'x']) {
    const r = await h.req('GET', `/api/v1/api_key/${other}/`);
    assert.equal(r.status, 404, `${other}: ${r.raw}`);
    assert.deepEqual(r.body, NO_KEY);
  }
});

test('GET /organization/{id}/ lists memberships and inactive_memberships, each with user_id (D35)', async () => {
  const org = (await h.req('GET', `/api/v1/organization/${h.orgId}/`)).body;
  assert.deepEqual(org.inactive_memberships, []);
  assert.deepEqual(org.memberships.map((m: any) => m.user_id).sort(), [h.user.id, h.colleague.id].sort());
  const ann = org.memberships.find((m: any) => m.user_id === h.user.id);
  assert.deepEqual(
    { user_full_name: ann.user_full_name, user_email: ann.user_email, role_id: ann.role_id, organization_id: ann.organization_id },
    { user_full_name: 'Ann Lee', user_email: 'ann@acme.test', role_id: 'user', organization_id: h.orgId },
  );
  assert.match(ann.id, /^memb_/);
});

test('a deactivated user keeps their tasks and stays reachable by id, their keys answer 401, and reactivation restores them (D35)', async () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  // A member whose key this app has never seen (so no remembered lookup, AUTH_CACHE_TTL_MS).
  const leaver = await createUser(h.db.kysely, h.orgId, { email: 'leo@acme.test', first_name: 'Leo', last_name: 'Leaver' }, t0);
  const leaverKey = (await createApiKey(h.db.kysely, h.orgId, leaver.id, t0)).key;
  const lead = await makeLead(h, 'Leaver Co');
  const open = [await makeTask(h, { lead_id: lead, text: 'open 1', assigned_to: leaver.id }), await makeTask(h, { lead_id: lead, text: 'open 2', assigned_to: leaver.id })];
  const done = await makeTask(h, { lead_id: lead, text: 'done', assigned_to: leaver.id, is_complete: true });

  assert.equal(await writeTransaction(h.db, (trx) => setMemberActive(trx, h.orgId, leaver.id, false, Date.parse('2026-03-10T12:00:00Z'))), true);
  assert.equal(await writeTransaction(h.db, (trx) => setMemberActive(trx, h.orgId, leaver.id, false, Date.now())), false, 'already inactive: nothing changes');

  const refused = await h.req('GET', '/api/v1/me/', { as: { id: leaver.id, key: leaverKey } });
  assert.equal(refused.status, 401);
  assert.deepEqual(refused.body, { error: UNAUTHORIZED_TEXT });
  const org = (await h.req('GET', `/api/v1/organization/${h.orgId}/`)).body;
  assert.deepEqual(org.inactive_memberships.map((m: any) => [m.user_id, m.user_full_name]), [[leaver.id, 'Leo Leaver']]);
  assert.equal(org.memberships.some((m: any) => m.user_id === leaver.id), false);
  // Their tasks stay theirs, and the scripts' next calls work: the user by id, their tasks, a reassignment.
  assert.equal((await h.req('GET', `/api/v1/user/${leaver.id}/?_fields=id,email`)).body.email, 'leo@acme.test');
  const theirs = await h.req('GET', `/api/v1/task/?assigned_to=${leaver.id}&_order_by=date_created&_fields=id`);
  assert.deepEqual(theirs.body.data.map((t: any) => t.id).sort(), [...open, done].map((t) => t.id).sort());
  const moved = await h.req('PUT', `/api/v1/task/?assigned_to=${leaver.id}&is_complete=false`, { body: { assigned_to: h.colleague.id } });
  assert.deepEqual(moved.body, { count: 2 });
  assert.equal((await h.req('GET', `/api/v1/task/${done.id}/`)).body.assigned_to, leaver.id, 'the completed one is still theirs');
  // No new key for an inactive member: it could not work.
  await assert.rejects(createApiKey(h.db.kysely, h.orgId, leaver.id, Date.now()), /inactive in organization/);

  assert.equal(await writeTransaction(h.db, (trx) => setMemberActive(trx, h.orgId, leaver.id, true, Date.now())), true);
  assert.equal((await h.req('GET', '/api/v1/me/', { as: { id: leaver.id, key: leaverKey } })).body.id, leaver.id);
  const after = (await h.req('GET', `/api/v1/organization/${h.orgId}/`)).body;
  assert.deepEqual(after.inactive_memberships, []);
  assert.ok(after.memberships.some((m: any) => m.user_id === leaver.id));
  // Only members can be deactivated.
  await assert.rejects(writeTransaction(h.db, (trx) => setMemberActive(trx, h.orgId, h.outsider.id, false, Date.now())), /not a member/);
});

test('a second member with the same email (in any case) is refused; another organization may use it', async () => {
  await assert.rejects(createUser(h.db.kysely, h.orgId, { email: 'ANN@acme.test', first_name: 'Ann', last_name: 'Again' }, Date.now()), /ann@acme\.test is already the email of user_\w+ in organization orga_\w+/);
  const before = (await h.req('GET', '/api/v1/user/')).body.data.length;
  const elsewhere = await createOrganization(h.db.kysely, { name: 'Elsewhere' }, Date.now());
  const twin = await createUser(h.db.kysely, elsewhere.id, { email: 'ann@acme.test', first_name: 'Ann', last_name: 'Twin' }, Date.now());
  assert.match(twin.id, /^user_/);
  assert.equal((await h.req('GET', '/api/v1/user/')).body.data.length, before, 'nothing was added to this organization');
});
