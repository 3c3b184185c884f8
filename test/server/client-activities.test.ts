/**
 * Close's npm client (`close.io`, unchanged but for its hard-coded base URL) drives the
 * activity and opportunity endpoints over a real port, and sees the generated tasks
 * they make and complete (issue 3: "Real Close clients must work against it").
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { harness, makeLead, type Harness } from '../support/helpers.js';

const require = createRequire(import.meta.url);
let h: Harness;
let close: any;

before(async () => {
  h = await harness();
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const Closeio = require('close.io');
  close = new Closeio(h.user.key);
  const send = close._request.bind(close);
  close._request = (o: any) => send({ ...o, uri: o.uri.replace('https://api.close.com', base) });
});
after(() => h.close());

test('close.io: emails and opportunities make tasks the client lists; closing the deal completes its task', async () => {
  const lead = await makeLead(h, 'Client Co');
  const email = await close.activity.email.create({ lead_id: lead, status: 'inbox', sender: 'buyer@client.example', subject: 'Quote?', body_text: 'Can you send a quote?' });
  assert.match(email.thread_id, /^acti_/);
  assert.deepEqual((await close.activity.email.search({ lead_id: lead })).data.map((e: any) => e.id), [email.id]);
  const opp = await close.opportunity.create({ lead_id: lead, value: 130000, date_won: '2026-03-10' });
  assert.equal(opp.value_formatted, '$1,300');
  const tasks = (await close.task.search({ _type: 'all', lead_id: lead, view: 'inbox' })).data;
  assert.deepEqual(tasks.map((t: any) => t._type).sort(), ['incoming_email', 'opportunity_due']);
  await close.opportunity.update(opp.id, { status_type: 'won' });
  const left = (await close.task.search({ _type: 'all', lead_id: lead, view: 'inbox' })).data;
  assert.deepEqual(left.map((t: any) => t._type), ['incoming_email']);
  assert.deepEqual(await close.opportunity.delete(opp.id), {});
  assert.equal((await close.activity.call.search({ lead_id: lead })).data.length, 0);
});
