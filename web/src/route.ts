/**
 * What the page shows, kept in the URL's hash (`#view=future&type=lead&assignee=everyone`)
 * so that a reload, the back button and a lead's link all keep it, and the filters
 * turn into the query of `GET /task/`.
 */
import type { Query } from './api.ts';
import { TYPE_LABELS, type View } from './tasks.ts';

/** The page's filters: the tab, the task type, the assignee, the lead. */
export interface Filters {
  view: View;
  /** `all` or one task `_type`. */
  type: string;
  /** `me`, `everyone`, or a user id. */
  assignee: string;
  /** A lead id, or null for every lead. */
  lead: string | null;
}

export const DEFAULT_FILTERS: Filters = { view: 'inbox', type: 'all', assignee: 'me', lead: null };

/** Reads filters from a location hash; unknown or malformed values fall back to the defaults. */
export function parseHash(hash: string): Filters {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const view = p.get('view');
  const type = p.get('type');
  const assignee = p.get('assignee');
  const lead = p.get('lead');
  return {
    view: view === 'future' || view === 'archive' ? view : 'inbox',
    type: type && (type === 'all' || type in TYPE_LABELS) ? type : 'all',
    assignee: assignee && (assignee === 'everyone' || assignee.startsWith('user_')) ? assignee : 'me',
    lead: lead && lead.startsWith('lead_') ? lead : null,
  };
}

/** The hash for `f`, leaving out default values. */
export function formatHash(f: Filters): string {
  const p = new URLSearchParams();
  if (f.view !== 'inbox') p.set('view', f.view);
  if (f.type !== 'all') p.set('type', f.type);
  if (f.assignee !== 'me') p.set('assignee', f.assignee);
  if (f.lead) p.set('lead', f.lead);
  const s = p.toString();
  return s ? `#${s}` : '#';
}

/** The filters of `GET /task/` for `f` as seen by user `meId`, for `view`. */
export function taskQuery(f: Filters, meId: string, view: View = f.view): Query {
  return {
    view,
    _type: f.type,
    assigned_to: f.assignee === 'me' ? meId : f.assignee === 'everyone' ? undefined : f.assignee,
    lead_id: f.lead ?? undefined,
  };
}
