/**
 * The fields every Close activity carries (reference §12.4: calls, emails, threads,
 * SMS, TaskCompleted), from the values of a stored activity and the current names of
 * its users. Pure: the storage layer's activity rows fit `ActivityCommon`.
 */
import { isoformat } from './dates.js';
import { sortKeys } from './json.js';

/** What the common fields are computed from (a stored activity with its users' names). */
export interface ActivityCommon {
  id: string;
  organization_id: string;
  /** Close's `_type`, e.g. `Call`, `TaskCompleted`. */
  type: string;
  lead_id: string | null;
  contact_id: string | null;
  user_id: string | null;
  created_by: string | null;
  updated_by: string | null;
  /** Instants, ms UTC. */
  activity_at: number;
  date_created: number;
  date_updated: number;
  user_name: string | null;
  created_by_name: string | null;
  updated_by_name: string | null;
  /** JSON object of the type's own fields. */
  data: string;
}

/** The common activity fields of `row` (dates `isoformat()` UTC, D19). */
export function activityCommonJson(row: ActivityCommon): Record<string, unknown> {
  return {
    _type: row.type,
    activity_at: isoformat(Number(row.activity_at)),
    contact_id: row.contact_id,
    created_by: row.created_by,
    created_by_name: row.created_by ? row.created_by_name : null,
    date_created: isoformat(Number(row.date_created)),
    date_updated: isoformat(Number(row.date_updated)),
    id: row.id,
    lead_id: row.lead_id,
    organization_id: row.organization_id,
    updated_by: row.updated_by,
    updated_by_name: row.updated_by ? row.updated_by_name : null,
    user_id: row.user_id,
    user_name: row.user_id ? row.user_name : null,
    users: row.user_id ? [row.user_id] : [],
  };
}

/** Close's JSON of an activity whose `data` holds all its own fields: the common fields plus `data`, keys sorted. */
export function simpleActivityJson(row: ActivityCommon): Record<string, unknown> {
  return sortKeys({ ...activityCommonJson(row), ...JSON.parse(row.data) });
}
