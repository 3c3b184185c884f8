/**
 * D28 on the activity and opportunity endpoints: whatever a client sends answers a
 * 2xx or a 4xx in Close's error shapes, never a 500.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeLead, type Harness } from '../support/helpers.js';

let h: Harness;
let lead: string;
before(async () => {
  h = await harness();
  lead = await makeLead(h, 'Robust Co');
});
after(() => h.close());

const ODD_VALUES: unknown[] = [null, '', ' ', 0, -1, 1e300, 3.5, true, 'x'.repeat(5000), [], {}, ['a', 1], { a: 1 }, '2015-02-30', '+1 555', '😀', 'acti_nope', 'lead_nope'];
const FIELDS: Record<string, string[]> = {
  '/api/v1/activity/call/': ['direction', 'status', 'phone', 'remote_phone', 'local_phone', 'duration', 'voicemail_duration', 'voicemail_url', 'recording_url', 'lead_id', 'contact_id', 'user_id', 'date_created', 'activity_at', 'note'],
  '/api/v1/activity/email/': ['status', 'direction', 'sender', 'to', 'cc', 'subject', 'body_text', 'body_html', 'thread_id', 'in_reply_to_id', 'followup_date', 'lead_id', 'contact_id', 'user_id', 'date_created'],
  '/api/v1/activity/sms/': ['status', 'direction', 'text', 'remote_phone', 'local_phone', 'attachments', 'lead_id', 'contact_id', 'user_id', 'activity_at'],
  '/api/v1/opportunity/': ['lead_id', 'contact_id', 'user_id', 'status_id', 'status_type', 'status_label', 'value', 'value_currency', 'value_period', 'confidence', 'note', 'date_won'],
};
const VALID: Record<string, Record<string, unknown>> = {
  '/api/v1/activity/call/': { direction: 'inbound', status: 'no-answer', phone: '+16503334444' },
  '/api/v1/activity/email/': { lead_id: '', status: 'inbox', sender: 'a@b.example', subject: 's' },
  '/api/v1/activity/sms/': { status: 'inbox', remote_phone: '+16503334444', text: 't' },
  '/api/v1/opportunity/': { lead_id: '', value: 100, date_won: '2026-03-10' },
};

test('odd values in every field of every new write endpoint never answer 500 (D28)', async () => {
  let requests = 0;
  for (const [url, fields] of Object.entries(FIELDS)) {
    const valid = { ...VALID[url], ...(VALID[url].lead_id === '' ? { lead_id: lead } : {}) };
    const created = await h.req('POST', url.includes('sms') ? `${url}?send_to_inbox=true` : url, { body: valid });
    assert.equal(created.status, 200, `${url}: ${created.raw}`);
    for (const field of fields) {
      for (const value of ODD_VALUES) {
        for (const [method, target] of [['POST', url], ['PUT', `${url}${created.body.id}/`]] as const) {
          const r = await h.req(method, target, { body: { ...valid, [field]: value } });
          requests++;
          assert.ok(r.status < 500, `${method} ${target} ${field}=${JSON.stringify(value).slice(0, 40)}: ${r.status} ${r.raw}`);
          if (r.status >= 400) assert.ok('error' in r.body || 'field-errors' in r.body, r.raw);
        }
      }
    }
  }
  assert.ok(requests > 1500);
});
