/**
 * Leads: the companies tasks are about (reference §13.4). A lead embeds its contacts,
 * its opportunities and its open tasks; deleting a lead deletes its contacts, tasks and activities.
 * Tasks show the lead's current `name` as `lead_name`.
 */
import { sql } from 'kysely';
import type { RequestContext } from '../context.js';
import type { LeadRow } from '../db/schema.js';
import { findTasks, openTasksOfLeads, taskIdsOfLead, type Executor } from '../db/tasks.repo.js';
import { activityEvent, recordEvents, taskEvent, taskEventJson } from '../events/record.js';
import { activityIdsOfLead, activitySnapshots } from './activities.js';
import { writeTransaction } from '../db/transaction.js';
import { CloseError } from '../close/errors.js';
import { ID_PREFIX, newId } from '../close/ids.js';
import { isoformat } from '../close/dates.js';
import { first, parseList, type Page, type Params } from '../close/params.js';
import { buildContactRow, contactsOfLeads, serializeContact, type ContactInput } from './contacts.js';
import { serializeTasks } from '../tasks/serialize.js';
import { contactsWritten } from './channels.js';
import { opportunitiesOfLeads } from './opportunities.js';

export const LEAD_MODEL = 'Lead';

/** A lead body as the API accepts it (unknown keys ignored). */
export interface LeadInput {
  name?: string;
  description?: string;
  url?: string | null;
  status_label?: string;
  contacts?: ContactInput[];
}

/** Parameters of `GET /lead/`. `query` matches names (`name:Acme`, or free text). */
export const LEAD_LIST_PARAMS: ReadonlySet<string> = new Set(['_limit', '_skip', '_fields', 'query', 'id', 'id__in']);

async function findLeadRow(ex: Executor, organizationId: string, id: string): Promise<LeadRow | undefined> {
  return ex.selectFrom('leads').selectAll().where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
}

/** Close's JSON for leads, with their contacts and open tasks, in one batch of queries. */
async function serializeLeads(ctx: RequestContext, ex: Executor, rows: LeadRow[]): Promise<Record<string, unknown>[]> {
  const ids = rows.map((r) => r.id);
  const contacts = await contactsOfLeads(ex, ids);
  const tasks = await openTasksOfLeads(ex, ctx.organizationId, ids);
  const opportunities = await opportunitiesOfLeads(ex, ctx.organizationId, ids);
  const now = ctx.now();
  return rows.map((l) => ({
    contacts: contacts.filter((c) => c.lead_id === l.id).map(serializeContact),
    created_by: l.created_by,
    custom: {},
    date_created: isoformat(Number(l.date_created)),
    date_updated: isoformat(Number(l.date_updated)),
    description: l.description,
    display_name: l.name,
    html_url: null,
    id: l.id,
    name: l.name,
    opportunities: opportunities.filter((o) => o.lead_id === l.id),
    organization_id: l.organization_id,
    status_id: null,
    status_label: l.status_label,
    tasks: serializeTasks(tasks.filter((t) => t.lead_id === l.id), ctx.zone, now),
    updated_by: l.updated_by,
    url: l.url,
  }));
}

/**
 * `POST /lead/`: a lead and, optionally, its contacts, in one transaction.
 * @throws CloseError 400 with Close's nested field errors for bad contacts.
 */
export async function createLead(ctx: RequestContext, input: LeadInput): Promise<Record<string, unknown>> {
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
    await trx.insertInto('leads').values(lead).execute();
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
      await trx.insertInto('contacts').values(contactRows).execute();
      await contactsWritten(trx, ctx, contactRows);
    }
    return (await serializeLeads(ctx, trx, [lead]))[0];
  });
}

/** `GET /lead/{id}/`. @throws CloseError 404. */
export async function getLead(ctx: RequestContext, id: string): Promise<Record<string, unknown>> {
  const row = await findLeadRow(ctx.db.kysely, ctx.organizationId, id);
  if (!row) throw CloseError.notFound(LEAD_MODEL);
  return (await serializeLeads(ctx, ctx.db.kysely, [row]))[0];
}

/**
 * `GET /lead/`: the organization's leads, newest first, `{"data", "has_more",
 * "total_results"}` (leads report a total, tasks do not; reference §3.1).
 * `query` is matched against names: `name:"Acme Inc"`, `name:Acme`, or free text.
 */
export async function listLeads(ctx: RequestContext, params: Params, page: Page) {
  let qb = ctx.db.kysely.selectFrom('leads').where('organization_id', '=', ctx.organizationId);
  const query = first(params, 'query')?.trim();
  if (query) {
    const m = /^name:\s*(?:"([^"]*)"|(\S+))\s*$/.exec(query);
    const term = m ? (m[1] ?? m[2]) : query;
    const pattern = `%${term.replace(/[\\%_]/g, (ch) => '\\' + ch)}%`;
    qb = qb.where(sql<boolean>`lower(name) like lower(${pattern}) escape '\\'`);
  }
  const id = first(params, 'id');
  if (id !== undefined) qb = qb.where('id', '=', id.trim());
  const idIn = params.get('id__in');
  if (idIn) {
    const ids = parseList(idIn, 'id__in');
    qb = ids.length ? qb.where('id', 'in', ids) : qb.where('id', '=', '');
  }
  const total = await qb.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await qb.selectAll().orderBy('date_created', 'desc').orderBy('id', 'desc').limit(page.limit + 1).offset(page.skip).execute();
  const hasMore = rows.length > page.limit;
  if (hasMore) rows.pop();
  return { data: await serializeLeads(ctx, ctx.db.kysely, rows), has_more: hasMore, total_results: Number(total.n) };
}

/** `PUT /lead/{id}/`: partial update of name, description, url, status_label. @throws CloseError 404. */
export async function updateLead(ctx: RequestContext, id: string, input: LeadInput): Promise<Record<string, unknown>> {
  return writeTransaction(ctx.db, async (trx) => {
    const row = await findLeadRow(trx, ctx.organizationId, id);
    if (!row) throw CloseError.notFound(LEAD_MODEL);
    const patch: Partial<LeadRow> = { updated_by: ctx.userId, date_updated: ctx.now() };
    if (input.name !== undefined) patch.name = input.name;
    if (input.description !== undefined) patch.description = input.description;
    if (input.url !== undefined) patch.url = input.url;
    if (input.status_label !== undefined) patch.status_label = input.status_label;
    await trx.updateTable('leads').set(patch).where('id', '=', id).execute();
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
    const row = await findLeadRow(trx, ctx.organizationId, id);
    if (!row) throw CloseError.notFound(LEAD_MODEL);
    const tasks = (await findTasks(trx, ctx.organizationId, await taskIdsOfLead(trx, id))).sort((a, b) => (a.id < b.id ? -1 : 1));
    const activities = await activitySnapshots(trx, ctx.organizationId, (await activityIdsOfLead(trx, id)).sort());
    await recordEvents(trx, ctx, [
      ...tasks.map((t) => taskEvent('deleted', { before: taskEventJson(t, ctx.now()) })),
      ...activities.map((a) => activityEvent('deleted', { before: a })),
    ]);
    await trx.deleteFrom('tasks').where('lead_id', '=', id).execute();
    await trx.deleteFrom('activities').where('lead_id', '=', id).execute();
    await trx.deleteFrom('opportunities').where('lead_id', '=', id).execute();
    await trx.deleteFrom('contacts').where('lead_id', '=', id).execute();
    await trx.deleteFrom('leads').where('id', '=', id).execute();
  });
  return {};
}
