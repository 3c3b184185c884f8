/**
 * Importing a Close task list dump (the JSON `GET /task/` answers, such as
 * `shared/fixtures/seed-task-list.json`) into one organization.
 *
 * Rules (issue "Tasklane core", CLI `import`):
 * - ids, types, dates, completion and every type-specific field are kept;
 * - users, leads and contacts a task names are created from their ids and `*_name`
 *   fields when missing; users become members of the organization;
 * - a task whose id is already in the organization is left alone, so a second run
 *   changes nothing; an id owned by another organization is an error;
 * - the whole file is one transaction: a bad record stops the import with its index
 *   and reason, and nothing of the file is kept;
 * - generated tasks get the `match_key` made ones have, so they complete the same way
 *   (a call back to the number of an imported missed call completes it, D30);
 * - D34: a task's keys depend on its type alone. A key the dump lacks gets the value a
 *   new task of that type would have (`text` "" on lead and SMS tasks, `is_dateless`
 *   false, null for the type's other fields); values the dump has are kept; keys the
 *   type does not have are dropped; names (`assigned_to_name`, `lead_name`, ...) and
 *   `view` are not stored but computed on every read, as for any task.
 */
import type { Db } from '../db/connect.js';
import type { TaskRow } from '../db/schema.js';
import { writeTransaction, type Executor } from '../db/executor.js';
import { findOrganization, findUser, insertMembershipIfMissing, insertUser } from '../db/accounts.repo.js';
import { insertLead, leadNameAndOwner } from '../db/leads.repo.js';
import { contactNameAndOwner, insertContacts } from '../db/contacts.repo.js';
import { taskOwners } from '../db/tasks.repo.js';
import { parseCloseDate } from '../close/dates.js';
import { ID_PREFIX, newId } from '../close/ids.js';
import { phoneE164 } from '../close/phones.js';
import { PRIORITIES, RESOLUTIONS, TYPE_FIELDS, extraFieldsOf, isTaskType, type TaskType, newTaskText } from './types.js';
import { matchKeyOf } from './generated/rules.js';
import { loadImportedTasks } from './writes.js';
import { BULK_LOAD_MIN_ROWS, prepareTaskBulkLoad, withBulkJournal } from '../db/bulkload.js';

/** A record the importer refused: its position in the file (0-based) and why. */
export class ImportError extends Error {
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(`record ${index}: ${reason}`);
  }
}

/** What an import did. */
export interface ImportSummary {
  /** Records read. */
  records: number;
  /** Tasks inserted. */
  inserted: number;
  /** Records whose task id the organization already had. */
  skipped: number;
  users: number;
  leads: number;
  contacts: number;
}

/** One record of a dump, with its position. */
export interface DumpRecord {
  index: number;
  value: unknown;
}

const ID_RE = /^(task|noti)_[A-Za-z0-9]+$/;
const USER_FIELDS = [
  ['assigned_to', 'assigned_to_name'],
  ['created_by', 'created_by_name'],
  ['updated_by', 'updated_by_name'],
] as const;
const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function splitName(name: string): { first_name: string; last_name: string } {
  const t = name.trim();
  const i = t.indexOf(' ');
  return i < 0 ? { first_name: t, last_name: '' } : { first_name: t.slice(0, i), last_name: t.slice(i + 1) };
}

function optionalString(rec: Record<string, unknown>, key: string, index: number): string | null {
  const v = rec[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new ImportError(index, `${key} must be a string or null`);
  return v;
}

function instant(rec: Record<string, unknown>, key: string, index: number): number {
  const v = rec[key];
  const d = typeof v === 'string' ? parseCloseDate(v) : null;
  if (!d || d.kind !== 'datetime') throw new ImportError(index, `${key} must be an ISO 8601 date-time (got ${JSON.stringify(v)})`);
  return d.ms;
}

/**
 * The stored text of a task's type-specific fields. @throws ImportError when a value is
 * nested too deeply to be written back (JSON.parse reads depths JSON.stringify cannot).
 */
function storedExtra(extra: Record<string, unknown>, index: number): string {
  try {
    return JSON.stringify(extra);
  } catch (e) {
    if (e instanceof RangeError) throw new ImportError(index, 'a field value is nested too deeply');
    throw e;
  }
}

/**
 * Imports records into `organizationId` in one transaction.
 * @param opts.expectedRecords about how many records are coming (the CLI guesses from
 *   the file's size); a large import into a table not much larger loads with the task
 *   indexes built afterwards (`db/bulkload.ts`, issue 12)
 * @throws ImportError, Error for an unknown organization.
 */
export async function importTaskDump(
  db: Db,
  organizationId: string,
  records: AsyncIterable<DumpRecord> | Iterable<DumpRecord>,
  opts: { now: number; onRecord?: (index: number) => void; expectedRecords?: number },
): Promise<ImportSummary> {
  if (!(await findOrganization(db.kysely, organizationId))) throw new Error(`organization ${organizationId} does not exist`);
  // One transaction for the whole file; not run again on a conflict, since the records are a stream read once.
  const expected = opts.expectedRecords ?? 0;
  const load = (fn: () => Promise<ImportSummary>) => (expected >= BULK_LOAD_MIN_ROWS ? withBulkJournal(db, fn) : fn());
  return load(() => writeTransaction(db, async (trx) => {
    const summary: ImportSummary = { records: 0, inserted: 0, skipped: 0, users: 0, leads: 0, contacts: 0 };
    const ctx = new ImportContext(trx, organizationId, opts.now, summary);
    const finishBulkLoad = await prepareTaskBulkLoad(trx, expected);
    let batch: { index: number; row: TaskRow }[] = [];
    const flush = async () => {
      if (!batch.length) return;
      await ctx.insertBatch(batch);
      batch = [];
    };
    for await (const { index, value } of records) {
      summary.records++;
      batch.push({ index, row: await ctx.taskFromRecord(value, index) });
      if (batch.length >= 500) await flush();
      opts.onRecord?.(index);
    }
    await flush();
    await finishBulkLoad();
    return summary;
  }, { retry: false }));
}

/** The state of one import: what exists, and the names things have now. */
class ImportContext {
  private readonly userNames = new Map<string, string>();
  private readonly leadNames = new Map<string, string>();
  private readonly contactNames = new Map<string, string>();

  constructor(
    private readonly ex: Executor,
    private readonly organizationId: string,
    private readonly now: number,
    private readonly summary: ImportSummary,
  ) {}

  /** The current name of a user, creating the user (and membership) from `name` when missing. */
  private async user(id: string, name: string | null, index: number): Promise<string> {
    const known = this.userNames.get(id);
    if (known !== undefined) return known;
    if (!/^user_[A-Za-z0-9]+$/.test(id)) throw new ImportError(index, `"${id}" is not a user id`);
    const row = await findUser(this.ex, id);
    let current: string;
    if (row) {
      current = `${row.first_name} ${row.last_name}`.trim();
    } else {
      const parts = splitName(name ?? '');
      await insertUser(this.ex, { id, email: `${id.toLowerCase()}@imported.invalid`, ...parts, timezone: null, date_created: this.now, date_updated: this.now });
      this.summary.users++;
      current = `${parts.first_name} ${parts.last_name}`.trim();
    }
    await insertMembershipIfMissing(this.ex, { id: newId(ID_PREFIX.membership), organization_id: this.organizationId, user_id: id, role_id: 'user', date_created: this.now });
    this.userNames.set(id, current);
    return current;
  }

  private async lead(id: string, name: string | null, index: number): Promise<string> {
    const known = this.leadNames.get(id);
    if (known !== undefined) return known;
    const row = await leadNameAndOwner(this.ex, id);
    let current: string;
    if (row) {
      if (row.organization_id !== this.organizationId) throw new ImportError(index, `lead ${id} belongs to another organization`);
      current = row.name;
    } else {
      if (!/^lead_[A-Za-z0-9]+$/.test(id)) throw new ImportError(index, `"${id}" is not a lead id`);
      current = name ?? '';
      await insertLead(this.ex, { id, organization_id: this.organizationId, name: current, description: '', url: null, status_label: 'Potential', created_by: null, updated_by: null, date_created: this.now, date_updated: this.now });
      this.summary.leads++;
    }
    this.leadNames.set(id, current);
    return current;
  }

  /** The contact's current name; null when it does not exist and cannot be made (no lead to hang it on). */
  private async contact(id: string, name: string | null, leadId: string | null, index: number): Promise<string | null> {
    const known = this.contactNames.get(id);
    if (known !== undefined) return known;
    const row = await contactNameAndOwner(this.ex, id);
    let current: string;
    if (row) {
      if (row.organization_id !== this.organizationId) throw new ImportError(index, `contact ${id} belongs to another organization`);
      current = row.name;
    } else {
      if (!/^cont_[A-Za-z0-9]+$/.test(id)) throw new ImportError(index, `"${id}" is not a contact id`);
      if (!leadId) return null;
      current = name ?? '';
      await insertContacts(this.ex, [{ id, organization_id: this.organizationId, lead_id: leadId, name: current, title: '', phones: '[]', emails: '[]', created_by: null, updated_by: null, date_created: this.now, date_updated: this.now }]);
      this.summary.contacts++;
    }
    this.contactNames.set(id, current);
    return current;
  }

  /**
   * Validates one record and turns it into a task row, creating what it names.
   * @throws ImportError naming the record and the reason.
   */
  async taskFromRecord(value: unknown, index: number): Promise<TaskRow> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ImportError(index, 'not a JSON object');
    const rec = value as Record<string, unknown>;
    const id = rec.id;
    if (typeof id !== 'string' || !ID_RE.test(id)) throw new ImportError(index, `id must be a task_ or noti_ id (got ${JSON.stringify(id)})`);
    const type = rec._type;
    if (typeof type !== 'string' || !isTaskType(type)) throw new ImportError(index, `unknown _type ${JSON.stringify(type)}`);
    const date = typeof rec.date === 'string' ? parseCloseDate(rec.date) : null;
    if (!date) throw new ImportError(index, `date must be YYYY-MM-DD or an ISO 8601 date-time (got ${JSON.stringify(rec.date)})`);
    const dateCreated = instant(rec, 'date_created', index);
    const dateUpdated = has(rec, 'date_updated') ? instant(rec, 'date_updated', index) : dateCreated;
    for (const k of ['is_complete', 'is_dateless'] as const) {
      if (has(rec, k) && typeof rec[k] !== 'boolean') throw new ImportError(index, `${k} must be true or false`);
    }
    const assignedTo = optionalString(rec, 'assigned_to', index);
    if (!assignedTo) throw new ImportError(index, 'assigned_to is required');
    const leadId = optionalString(rec, 'lead_id', index);
    const contactId = optionalString(rec, 'contact_id', index);
    const text = optionalString(rec, 'text', index);
    if (type === 'lead' && !leadId) throw new ImportError(index, 'a lead task needs a lead_id');
    for (const k of ['object_type', 'object_id']) optionalString(rec, k, index);
    for (const [k, allowed] of [['priority', PRIORITIES], ['resolution', RESOLUTIONS]] as const) {
      const v = optionalString(rec, k, index);
      if (v !== null && !(allowed as readonly string[]).includes(v)) throw new ImportError(index, `${k} must be ${allowed.join(', ')} or null (got ${JSON.stringify(v)})`);
    }

    // Names are computed on read (D34); the dump's names only name what it creates.
    for (const [idField, nameField] of USER_FIELDS) {
      const uid = optionalString(rec, idField, index);
      const recordName = optionalString(rec, nameField, index);
      if (uid) await this.user(uid, recordName, index);
    }
    const leadName = optionalString(rec, 'lead_name', index);
    if (leadId) await this.lead(leadId, leadName, index);
    const contactName = optionalString(rec, 'contact_name', index);
    if (contactId) await this.contact(contactId, contactName, leadId, index);

    const typeFields = TYPE_FIELDS[type as TaskType];
    // The type's own fields the dump has (D34); a missing one is served null, as a new task's.
    const extra: Record<string, unknown> = {};
    for (const k of extraFieldsOf(type as TaskType)) if (has(rec, k)) extra[k] = rec[k];

    return {
      id,
      organization_id: this.organizationId,
      type,
      lead_id: leadId,
      contact_id: contactId,
      assigned_to: assignedTo,
      created_by: optionalString(rec, 'created_by', index),
      updated_by: optionalString(rec, 'updated_by', index),
      text: typeFields.includes('text') ? (text ?? newTaskText(type as TaskType)) : null,
      is_complete: rec.is_complete === true ? 1 : 0,
      is_dateless: rec.is_dateless === true ? 1 : 0,
      date_ms: date.ms,
      date_is_day: date.kind === 'date' ? 1 : 0,
      priority: (rec.priority as string | null | undefined) ?? null,
      resolution: (rec.resolution as string | null | undefined) ?? null,
      object_type: (rec.object_type as string | null | undefined) ?? null,
      object_id: (rec.object_id as string | null | undefined) ?? null,
      extra: Object.keys(extra).length ? storedExtra(extra, index) : null,
      match_key: matchKeyOf(type, extra, (rec.object_id as string | null | undefined) ?? null, phoneE164),
      date_created: dateCreated,
      date_updated: dateUpdated,
    };
  }

  /** Inserts a batch, skipping ids the organization has. @throws ImportError for an id of another organization. */
  async insertBatch(batch: { index: number; row: TaskRow }[]): Promise<void> {
    const ids = batch.map((b) => b.row.id);
    const owner = await taskOwners(this.ex, ids);
    const fresh: TaskRow[] = [];
    const inBatch = new Set<string>();
    for (const { index, row } of batch) {
      const o = owner.get(row.id);
      if (o !== undefined && o !== this.organizationId) throw new ImportError(index, `task ${row.id} belongs to another organization`);
      if (o !== undefined || inBatch.has(row.id)) {
        this.summary.skipped++;
        continue;
      }
      inBatch.add(row.id);
      fresh.push(row);
    }
    await loadImportedTasks(this.ex, fresh);
    this.summary.inserted += fresh.length;
  }
}
