/**
 * `tasklane demo` (src/cli/demo.ts): the seed import is kept, and the generated tasks
 * now arise from calls, emails, an SMS and an opportunity logged through the same
 * services the endpoints use (issue 3). Read back through the real app.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildDemo, type DemoResult } from '../../src/cli/demo.js';
import { openDb, type Db } from '../../src/db/connect.js';
import { buildApp } from '../../src/server/app.js';
import { basic } from '../support/helpers.js';

const NOW = Date.parse('2026-03-10T18:00:00Z');
let dir: string;
let demo: DemoResult;
let db: Db;
let app: FastifyInstance;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tasklane-demo-'));
  demo = await buildDemo(join(dir, 'demo.db'), NOW);
  db = await openDb(join(dir, 'demo.db'));
  app = await buildApp({ db, clock: () => NOW });
});
after(async () => {
  await app.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(url: string, key: string): Promise<any> {
  const r = await app.inject({ method: 'GET', url, headers: { authorization: basic(key) } });
  assert.equal(r.statusCode, 200, r.body);
  return JSON.parse(r.body);
}

test('the demo generates one task of each generated type through the activity and opportunity services', async () => {
  const [ann, kenji] = demo.users;
  assert.equal(demo.generated, 7);
  const all = (await get('/api/v1/task/?_type=all&_limit=1000', ann.api_key)).data;
  const made = all.filter((t: any) => t.id.startsWith('noti_') && t.date_created === '2026-03-10T18:00:00+00:00');
  const byType = Object.fromEntries(made.map((t: any) => [t._type, t]));
  assert.deepEqual(Object.keys(byType).sort(), ['answered_detached_call', 'email_followup', 'incoming_email', 'incoming_sms', 'missed_call', 'opportunity_due', 'voicemail']);
  assert.equal(all.filter((t: any) => t.id.startsWith('noti_')).length, 7 + 7, 'the seed import is still there');
  assert.equal(demo.tasks, all.length);

  assert.deepEqual([byType.missed_call.lead_name, byType.missed_call.contact_name, byType.missed_call.assigned_to], ['Bluth Company', 'Michael Bluth', ann.id]);
  assert.deepEqual([byType.voicemail.lead_id, byType.voicemail.assigned_to, byType.voicemail.voicemail_duration], [null, kenji.id, 21]);
  assert.equal(byType.answered_detached_call.lead_id, null);
  assert.equal(byType.incoming_email.emails.length, 2, 'two emails, one thread, one task');
  assert.deepEqual([byType.email_followup.view, byType.email_followup.contact_name], ['future', 'Pam Beesly']);
  assert.deepEqual([byType.incoming_sms.contact_name, byType.incoming_sms.attachments.length, byType.incoming_sms.remote_phone_description], ['Pam Beesly', 1, 'Pennsylvania']);
  assert.deepEqual([byType.opportunity_due.opportunity_value_formatted, byType.opportunity_due.assigned_to, byType.opportunity_due.lead_name], ['$1,300', ann.id, 'Nakatomi Trading']);

  // Ann's inbox, in her own zone, shows her generated tasks that are due.
  const inbox = (await get('/api/v1/task/?_type__in=missed_call,answered_detached_call,incoming_email,opportunity_due&view=inbox', ann.api_key)).data;
  assert.deepEqual(inbox.filter((t: any) => t.assigned_to === ann.id && made.some((m: any) => m.id === t.id)).map((t: any) => t._type).sort(), [
    'answered_detached_call',
    'incoming_email',
    'missed_call',
    'opportunity_due',
  ]);
  // The activities are there too.
  assert.equal((await get('/api/v1/activity/call/', ann.api_key)).data.length, 3);
  assert.equal((await get('/api/v1/activity/email/', ann.api_key)).data.length, 3);
  assert.equal((await get('/api/v1/activity/sms/', ann.api_key)).data.length, 1);
  assert.equal((await get('/api/v1/opportunity/', ann.api_key)).total_results, 1);
});
