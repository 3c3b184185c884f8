/**
 * `taskPageText` (issue 12: the page's JSON written once as text) is byte for byte
 * `JSON.stringify` of the task objects `serializeTasks` makes, projected as
 * `projectFields` does, whatever the strings hold: quotes, backslashes, control
 * characters, U+2028, astral characters and lone surrogates, in columns, names and
 * `extra`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serializeTasks, taskPageText } from '../../src/tasks/serialize.js';
import { projectFields } from '../../src/close/params.js';
import { ianaZone, resolveRequestZone } from '../../src/close/zone.js';
import type { TaskWithNames } from '../../src/db/tasks.repo.js';

const TRICKY = ['plain', 'say "hi"', 'back\\slash', 'tab\there\nnew', '\u0000\u001f', 'line\u2028sep', 'emoji 😀', 'lone \ud800 high', 'lone \udc00 low', '', ' '];

function row(i: number, type: string, extra: unknown): TaskWithNames {
  const t = TRICKY[i % TRICKY.length];
  return {
    id: `task_${i}`,
    organization_id: 'orga_1',
    type,
    lead_id: i % 3 ? `lead_${i}` : null,
    contact_id: i % 2 ? `cont_${i}` : null,
    assigned_to: 'user_1',
    created_by: i % 4 ? 'user_2' : null,
    updated_by: 'user_2',
    text: type === 'lead' ? t : null,
    is_complete: i % 2,
    is_dateless: i % 5 === 0 ? 1 : 0,
    date_ms: Date.UTC(2026, 2, 8 + (i % 30)) + (i % 3 ? 0 : 3600_000 * (i % 24) + 123),
    date_is_day: i % 3 ? 1 : 0,
    priority: null,
    resolution: null,
    object_type: null,
    object_id: null,
    extra: extra === null ? null : JSON.stringify(extra),
    date_created: Date.UTC(2026, 0, 1) + i * 1001,
    date_updated: Date.UTC(2026, 0, 2) + i * 999,
    assigned_to_name: `Ann ${t}`,
    created_by_name: i % 4 ? `Ken ${TRICKY[(i + 1) % TRICKY.length]}` : null,
    updated_by_name: 'Ken',
    lead_name: i % 3 ? `Lead ${t}` : null,
    contact_name: i % 2 ? TRICKY[(i + 3) % TRICKY.length] : null,
  };
}

test('the page text equals JSON.stringify of the task objects, with and without _fields', () => {
  const rows: TaskWithNames[] = [];
  for (let i = 0; i < 66; i++) {
    const t = TRICKY[i % TRICKY.length];
    rows.push(row(i, ['lead', 'incoming_email', 'missed_call', 'opportunity_due', 'incoming_sms', 'outgoing_call'][i % 6], i % 6 ? { subject: t, body_preview: `${t}\u2028`, emails: [t], opportunity_value: 1.5e21, attachments: [{ n: t }] } : null));
  }
  const now = Date.parse('2026-03-20T09:30:00Z');
  for (const zone of [ianaZone('Europe/Berlin'), resolveRequestZone('14', null), resolveRequestZone('-11', null)]) {
    for (const fields of [null, new Set(['id', 'text', 'view']), new Set(['subject', 'lead_name', 'date', 'nothing'])]) {
      for (const hasMore of [true, false]) {
        const want = JSON.stringify({ data: serializeTasks(rows, zone, now).map((t) => projectFields(t, fields)), has_more: hasMore });
        assert.equal(taskPageText(rows, zone, now, hasMore, fields), want);
      }
    }
  }
  assert.equal(taskPageText([], ianaZone('UTC'), now, false, null), '{"data":[],"has_more":false}');
});
