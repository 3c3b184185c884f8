/**
 * Benchmark data: organizations x users x tasks with a realistic mix of types and
 * about 70% of tasks complete, written straight into a Tasklane database through
 * Kysely (any dialect `openDb` supports). Deterministic for a given seed.
 *
 * Default shape (issue "Tasklane core", Speed): 20 organizations x 50 users,
 * 1,000,000 tasks, 25 leads per user, one contact per lead, dates from 60 days ago to
 * 30 days ahead, a quarter of them date-only.
 */
import type { Db } from '../src/db/connect.js';
import type { TaskRow } from '../src/db/schema.js';
import { createApiKey, createOrganization, createUser } from '../src/crm/accounts.js';
import { MS_PER_DAY } from '../src/close/dates.js';

export interface DatasetShape {
  orgs: number;
  usersPerOrg: number;
  tasks: number;
  leadsPerUser: number;
  seed: number;
}

export const DEFAULT_SHAPE: DatasetShape = { orgs: 20, usersPerOrg: 50, tasks: 1_000_000, leadsPerUser: 25, seed: 42 };

export interface Dataset {
  shape: DatasetShape;
  /** When the data was generated (ms, UTC); task dates are relative to it. */
  now: number;
  orgs: { id: string; users: { id: string; key: string; timezone: string }[] }[];
}

/** Type mix, as a cumulative distribution: mostly lead tasks, then what communications make. */
const TYPE_MIX: [string, number][] = [
  ['lead', 0.55],
  ['outgoing_call', 0.6],
  ['incoming_email', 0.72],
  ['email_followup', 0.8],
  ['missed_call', 0.88],
  ['voicemail', 0.92],
  ['answered_detached_call', 0.94],
  ['opportunity_due', 0.97],
  ['incoming_sms', 1],
];

const ZONES = ['America/Los_Angeles', 'America/New_York', 'Europe/London', 'Europe/Berlin', 'Asia/Tokyo', 'Australia/Sydney', 'UTC'];

/** A small deterministic PRNG (mulberry32), so runs compare like with like (and a failing test run can be replayed). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickType(r: number): string {
  for (const [t, p] of TYPE_MIX) if (r < p) return t;
  return 'lead';
}

export function idFrom(prefix: string, n: number, salt: string): string {
  return (prefix + salt + n.toString(36).padStart(10, '0')).padEnd(prefix.length + 43, 'X');
}

function extraFor(type: string, random: () => number): string | null {
  const phone = '+1650' + String(Math.floor(random() * 9_000_000) + 1_000_000);
  switch (type) {
    case 'missed_call':
      return JSON.stringify({ local_phone: '+19193332031', phone, phone_formatted: phone, phone_number_description: 'California' });
    case 'voicemail':
      return JSON.stringify({ local_phone: '+19193332031', phone, voicemail_duration: 21, voicemail_url: 'https://example.invalid/vm.mp3' });
    case 'incoming_email':
      return JSON.stringify({ body_preview: 'Hi, does your company provide metrics?', emails: ['acti_x'], subject: 'Metrics' });
    case 'email_followup':
      return JSON.stringify({ body_preview: "Please respond if you're interested", email_id: 'acti_y', subject: 'An offer' });
    case 'answered_detached_call':
      return JSON.stringify({ phone, phone_formatted: phone, phone_number_description: 'California', recording_url: 'https://example.invalid/r.mp3' });
    case 'opportunity_due':
      return JSON.stringify({ opportunity_note: '', opportunity_value: 130000, opportunity_value_currency: 'USD', opportunity_value_formatted: '$1,300', opportunity_value_period: 'one_time' });
    case 'incoming_sms':
      return JSON.stringify({ attachments: [], local_phone: '+16503334444', remote_phone: phone, remote_phone_description: 'California', remote_phone_formatted: phone });
    default:
      return null;
  }
}

/**
 * One benchmark task of organization number `o` (its `index`-th overall, `i`-th in the
 * organization): a type from the mix, a random user and lead, a date 60 days back to 30
 * ahead (a quarter date-only), 70% complete. Consumes the same draws from `random` in
 * the same order whatever it is used for, so datasets and dumps of a seed agree.
 */
export function benchTaskRow(random: () => number, now: number, orgId: string, o: number, index: number, i: number, users: readonly { id: string }[], leads: readonly { id: string; contact: string }[]): TaskRow {
  const type = pickType(random());
  const user = users[Math.floor(random() * users.length)];
  const lead = leads[Math.floor(random() * leads.length)];
  const dayOffset = Math.floor(random() * 90) - 60;
  const dateOnly = random() < 0.25;
  const dayStart = Math.floor(now / MS_PER_DAY) * MS_PER_DAY + dayOffset * MS_PER_DAY;
  const dateMs = dateOnly ? dayStart : dayStart + Math.floor(random() * MS_PER_DAY);
  const complete = random() < 0.7;
  const created = now - Math.floor(random() * 90 * MS_PER_DAY);
  const generated = type !== 'lead' && type !== 'outgoing_call';
  return {
    id: idFrom(generated ? 'noti_' : 'task_', index, `O${o}Z`),
    organization_id: orgId,
    type,
    lead_id: type === 'answered_detached_call' ? null : lead.id,
    contact_id: type === 'answered_detached_call' ? null : lead.contact,
    assigned_to: user.id,
    created_by: generated ? null : user.id,
    updated_by: generated ? null : user.id,
    text: type === 'lead' ? `Follow up ${i}` : type === 'incoming_sms' ? 'Call me back' : null,
    is_complete: complete ? 1 : 0,
    is_dateless: 0,
    date_ms: dateMs,
    date_is_day: dateOnly ? 1 : 0,
    priority: null,
    resolution: null,
    object_type: complete && type === 'lead' ? 'taskcompleted' : null,
    object_id: null,
    extra: extraFor(type, random),
    date_created: created,
    date_updated: created,
  };
}

/**
 * Writes a dataset into `db` (which should be empty) and returns its users and keys.
 * @param onProgress called with the number of tasks written so far
 */
export async function generateDataset(db: Db, shape: DatasetShape = DEFAULT_SHAPE, now = Date.now(), onProgress?: (n: number) => void): Promise<Dataset> {
  const random = rng(shape.seed);
  const dataset: Dataset = { shape, now, orgs: [] };
  const leads: { id: string; org: string; contact: string }[][] = [];
  for (let o = 0; o < shape.orgs; o++) {
    const org = await createOrganization(db.kysely, { name: `Bench Org ${o}` }, now);
    const users = [];
    const orgLeads: { id: string; org: string; contact: string }[] = [];
    for (let u = 0; u < shape.usersPerOrg; u++) {
      const timezone = ZONES[(o * shape.usersPerOrg + u) % ZONES.length];
      const user = await createUser(db.kysely, org.id, { email: `u${u}@org${o}.bench`, first_name: `User${u}`, last_name: `Org${o}`, timezone }, now);
      const { key } = await createApiKey(db.kysely, org.id, user.id, now);
      users.push({ id: user.id, key, timezone });
    }
    await db.kysely.transaction().execute(async (trx) => {
      const leadRows = [];
      const contactRows = [];
      for (let l = 0; l < shape.usersPerOrg * shape.leadsPerUser; l++) {
        const id = idFrom('lead_', l, `O${o}Z`);
        const contact = idFrom('cont_', l, `O${o}Z`);
        leadRows.push({ id, organization_id: org.id, name: `Lead ${o}-${l}`, description: '', url: null, status_label: 'Potential', created_by: null, updated_by: null, date_created: now, date_updated: now });
        contactRows.push({ id: contact, organization_id: org.id, lead_id: id, name: `Contact ${o}-${l}`, title: '', phones: '[]', emails: '[]', created_by: null, updated_by: null, date_created: now, date_updated: now });
        orgLeads.push({ id, org: org.id, contact });
      }
      for (let i = 0; i < leadRows.length; i += 1000) await trx.insertInto('leads').values(leadRows.slice(i, i + 1000)).execute();
      for (let i = 0; i < contactRows.length; i += 1000) await trx.insertInto('contacts').values(contactRows.slice(i, i + 1000)).execute();
    });
    dataset.orgs.push({ id: org.id, users });
    leads.push(orgLeads);
  }

  const perOrg = Math.ceil(shape.tasks / shape.orgs);
  let written = 0;
  for (let o = 0; o < shape.orgs; o++) {
    const org = dataset.orgs[o];
    const count = Math.min(perOrg, shape.tasks - written);
    await db.kysely.transaction().execute(async (trx) => {
      let batch: TaskRow[] = [];
      for (let i = 0; i < count; i++) {
        batch.push(benchTaskRow(random, now, org.id, o, written + i, i, org.users, leads[o]));
        if (batch.length === 1000) {
          await trx.insertInto('tasks').values(batch).execute();
          batch = [];
          onProgress?.(written + i + 1);
        }
      }
      if (batch.length) await trx.insertInto('tasks').values(batch).execute();
    });
    written += count;
    onProgress?.(written);
  }
  return dataset;
}
