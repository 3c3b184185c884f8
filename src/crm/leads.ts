/**
 * Leads: the companies tasks are about (reference §13.4). A lead embeds its contacts,
 * its opportunities and its open tasks; deleting a lead deletes its contacts, tasks,
 * activities and opportunities. Tasks show the lead's current `name` as `lead_name`.
 */
import type { RequestContext } from '../context.js';
import type { LeadRow } from '../db/schema.js';
import { lockRows, writeTransaction, type Executor } from '../db/executor.js';
import { deleteLeadRows, findLeadRow, insertLead, listLeadRows, updateLeadRow } from '../db/leads.repo.js';
import { contactsOfLeads, insertContacts } from '../db/contacts.repo.js';
import { openTasksOfLeads } from '../db/tasks.repo.js';
import { activityIdsOfLead } from '../db/activities.repo.js';
import { CloseError } from '../close/errors.js';
import { ID_PREFIX, newId } from '../close/ids.js';
import { isoformat } from '../close/dates.js';
import { first, type Page, type Params } from '../close/params.js';
import { parseIdFilter } from '../close/filters.js';
import type { LeadWriteBody } from '../schemas/lead.js';
import { activityEvent } from '../events/record.js';
import { serializeTasks } from '../tasks/serialize.js';
import { deleteTasksOfLead } from '../tasks/service.js';
import { activitySnapshots } from '../tasks/completed.js';
import { buildContactRow, serializeContact } from './contacts.js';
import { contactsWritten } from './channels.js';
import { opportunitiesOfLeadsJson } from './opportunities.js';

export const LEAD_MODEL = 'Lead';

/** Parameters of `GET /lead/`. `query` matches names (`name:Acme`, or free text). */
export const LEAD_LIST_PARAMS: ReadonlySet<string> = new Set(['_limit', '_skip', '_fields', 'query', 'id', 'id__in']);

/** Longest lead search `query`, in characters (issue 13, defect 3): names are at most 1,000 (`schemas/lead.ts`). */
export const MAX_QUERY_CHARS = 1_000;

/**
 * Most open tasks one lead embeds in its `tasks` (issue 13, defect 5): the earliest by
 * date, then id. A page of leads thus embeds at most `_limit` x 50 tasks; a lead with
 * more lists them all through `GET /task/?lead_id=...&is_complete=false` (paged).
 */
export const MAX_EMBEDDED_TASKS_PER_LEAD = 50;

/** `items` grouped by their `lead_id`. */
function byLead<T extends { lead_id: string | null }>(items: T[]): Map<string | null, T[]> {
  const out = new Map<string | null, T[]>();
  for (const it of items) {
    const list = out.get(it.lead_id);
    if (list) list.push(it);
    else out.set(it.lead_id, [it]);
  }
  return out;
}

/**
 * Close's JSON for leads, with their contacts, opportunities and open tasks (at most
 * `MAX_EMBEDDED_TASKS_PER_LEAD` each), one query per kind for all the leads. With
 * `fields` (`_fields`, D9), the kinds it leaves out are not read at all.
 */
async function serializeLeads(ctx: RequestContext, ex: Executor, rows: LeadRow[], fields: ReadonlySet<string> | null = null): Promise<Record<string, unknown>[]> {
  const ids = rows.map((r) => r.id);
  const wants = (name: string) => !fields || fields.has(name);
  const contacts = byLead(wants('contacts') ? await contactsOfLeads(ex, ids) : []);
  const tasks = byLead(wants('tasks') ? await openTasksOfLeads(ex, ctx.organizationId, ids, MAX_EMBEDDED_TASKS_PER_LEAD) : []);
  const opportunities = byLead(wants('opportunities') ? ((await opportunitiesOfLeadsJson(ex, ctx.organizationId, ids)) as { lead_id: string | null }[]) : []);
  const now = ctx.now();
  return rows.map((l) => ({
    contacts: (contacts.get(l.id) ?? []).map(serializeContact),
    created_by: l.created_by,
    custom: {},
    date_created: isoformat(Number(l.date_created)),
    date_updated: isoformat(Number(l.date_updated)),
    description: l.description,
    display_name: l.name,
    html_url: null,
    id: l.id,
    name: l.name,
    opportunities: opportunities.get(l.id) ?? [],
    organization_id: l.organization_id,
    status_id: null,
    status_label: l.status_label,
    tasks: serializeTasks(tasks.get(l.id) ?? [], ctx.zone, now),
    updated_by: l.updated_by,
    url: l.url,
  }));
}

/**
 * `POST /lead/`: a lead and, optionally, its contacts, in one transaction.
 * @throws CloseError 400 with Close's nested field errors for bad contacts.
 */
export async function createLead(ctx: RequestContext, input: LeadWriteBody): Promise<Record<string, unknown>> {
  return writeTransaction(ctx.db, async (trx) => {
    const now = ctx.now();
    const lead: LeadRow = {
      id: newId(ID_PREFIX.lead),
      organization_id: ctx.organizationId,
      name: input.name ?? '',
      description: input.description ?? '',
      url: input.url ?? null,
      status_label: input.status_label ?? 'Potential',
      created_by: ctx.userId,
      updated_by: ctx.userId,
      date_created: now,
      date_updated: now,
    };
    await insertLead(trx, lead);
    const contactErrors: Record<string, unknown> = {};
    const contactRows = (input.contacts ?? []).flatMap((c, i) => {
      try {
        return [buildContactRow(ctx, lead.id, c, now)];
      } catch (e) {
        if (!(e instanceof CloseError)) throw e;
        contactErrors[String(i)] = e.body;
        return [];
      }
    });
    if (Object.keys(contactErrors).length) throw CloseError.validation({ contacts: { errors: contactErrors } });
    if (contactRows.length) {
      await insertContacts(trx, contactRows);
      await contactsWritten(trx, ctx, contactRows);
    }
    return (await serializeLeads(ctx, trx, [lead]))[0];
  });
}

/** `GET /lead/{id}/`. @throws CloseError 404. */
export async function getLead(ctx: RequestContext, id: string, fields: ReadonlySet<string> | null = null): Promise<Record<string, unknown>> {
  const row = await findLeadRow(ctx.db.kysely, ctx.organizationId, id);
  if (!row) throw CloseError.notFound(LEAD_MODEL);
  return (await serializeLeads(ctx, ctx.db.kysely, [row], fields))[0];
}

/**
 * `GET /lead/`: the organization's leads, newest first, `{"data", "has_more",
 * "total_results"}` (leads report a total, tasks do not; reference §3.1).
 * `query` is matched against names: `name:"Acme Inc"`, `name:Acme`, or free text.
 */
export async function listLeads(ctx: RequestContext, params: Params, page: Page, fields: ReadonlySet<string> | null = null) {
  const query = first(params, 'query')?.trim();
  // Issue 13: a bounded search term (SQLite refuses LIKE patterns over 50,000 bytes).
  if (query && query.length > MAX_QUERY_CHARS) throw CloseError.field('query', `Must be at most ${MAX_QUERY_CHARS} characters long.`);
  let nameContains: string | undefined;
  if (query) {
    const m = /^name:\s*(?:"([^"]*)"|(\S+))\s*$/.exec(query);
    nameContains = m ? (m[1] ?? m[2]) : query;
  }
  const { rows, hasMore, total } = await listLeadRows(ctx.db.kysely, ctx.organizationId, { nameContains, ids: parseIdFilter(params) }, page);
  return { data: await serializeLeads(ctx, ctx.db.kysely, rows, fields), has_more: hasMore, total_results: total };
}

/** `PUT /lead/{id}/`: partial update of name, description, url, status_label. @throws CloseError 404. */
export async function updateLead(ctx: RequestContext, id: string, input: LeadWriteBody): Promise<Record<string, unknown>> {
  return writeTransaction(ctx.db, async (trx) => {
    await lockRows(trx, 'leads', [id], ctx.organizationId);
    const row = await findLeadRow(trx, ctx.organizationId, id);
    if (!row) throw CloseError.notFound(LEAD_MODEL);
    const patch: Partial<LeadRow> = { updated_by: ctx.userId, date_updated: ctx.now() };
    if (input.name !== undefined) patch.name = input.name;
    if (input.description !== undefined) patch.description = input.description;
    if (input.url !== undefined) patch.url = input.url;
    if (input.status_label !== undefined) patch.status_label = input.status_label;
    await updateLeadRow(trx, id, patch);
    return (await serializeLeads(ctx, trx, [{ ...row, ...patch }]))[0];
  });
}

/**
 * `DELETE /lead/{id}/`: deletes the lead with its contacts, tasks, activities and
 * opportunities; answers `{}`. Each task and activity gets its `deleted` event, with
 * the full object in `previous_data` (reference §12.2: deleting a lead cascades
 * `deleted` events to its tasks), in the same transaction.
 * @throws CloseError 404.
 */
export async function deleteLead(ctx: RequestContext, id: string): Promise<Record<string, never>> {
  await writeTransaction(ctx.db, async (trx) => {
    await lockRows(trx, 'leads', [id], ctx.organizationId);
    const row = await findLeadRow(trx, ctx.organizationId, id);
    if (!row) throw CloseError.notFound(LEAD_MODEL);
    const activities = await activitySnapshots(trx, ctx.organizationId, await activityIdsOfLead(trx, ctx.organizationId, id));
    await deleteTasksOfLead(trx, ctx, id, activities.map((a) => activityEvent('deleted', { before: a })));
    await deleteLeadRows(trx, id);
  });
  return {};
}
