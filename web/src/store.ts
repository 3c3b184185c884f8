/**
 * The list the page shows and the three tab counts, read from `GET /task/` with the
 * current filters, and refreshed after every action and every new event.
 *
 * Counts: the task list answers no total (D8), so each tab's count pages through the
 * view's ids (`_fields=id&_limit=1000`), the way any client of Close counts.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatHash, taskQuery, type Filters } from './route.ts';
import type { Session } from './session.ts';
import { VIEWS, type Task, type View } from './tasks.ts';

/** Tasks asked for per "Show more". */
export const PAGE_SIZE = 100;
/** The task list's own `_limit` maximum (D6). */
const MAX_LIMIT = 1000;

export type Counts = Record<View, number | null>;

/** What `useTaskList` gives the page. */
export interface TaskList {
  tasks: Task[];
  hasMore: boolean;
  /** True once the list for the current filters has arrived. */
  loaded: boolean;
  counts: Counts;
  /** Opportunity confidence (0-100) by opportunity id, for `opportunity_due` tasks. */
  confidence: Record<string, number | null>;
  /** Reads the list and counts again; resolves with the list's tasks (null when a newer refresh overtook it). */
  refresh(): Promise<Task[] | null>;
  showMore(): void;
  /** Shows a task the server just answered: replaced in place, or removed when it left this list. */
  applyLocal(updated: Task): void;
  removeLocal(ids: string[]): void;
}

/** Whether `t`, as the server now sees it, still belongs to the list of `f`. */
export function stillListed(t: Task, f: Filters, meId: string): boolean {
  if (t.view !== f.view) return false;
  if (f.assignee === 'me' && t.assigned_to !== meId) return false;
  if (f.assignee !== 'me' && f.assignee !== 'everyone' && t.assigned_to !== f.assignee) return false;
  return true;
}

/** The list and counts for `filters`, read again whenever they change; `onError` gets every failure. */
export function useTaskList(session: Session, filters: Filters, onError: (e: unknown) => void): TaskList {
  const { api, me } = session;
  const [tasks, setTasks] = useState<Task[]>([]);
  const [hasMore, setHasMore] = useState(false);
  /** The filters (as a hash) the shown list was read for. */
  const [loadedFor, setLoadedFor] = useState<string | null>(null);
  const [counts, setCounts] = useState<Counts>({ inbox: null, future: null, archive: null });
  const [confidence, setConfidence] = useState<Record<string, number | null>>({});
  const [pages, setPages] = useState(1);
  const generation = useRef(0);
  const latest = useRef({ filters, pages, confidence });
  latest.current = { filters, pages, confidence };

  async function loadConfidence(list: Task[]) {
    const ids = [...new Set(list.filter((t) => t._type === 'opportunity_due' && t.object_id && !(t.object_id in latest.current.confidence)).map((t) => t.object_id!))];
    if (!ids.length) return;
    // `/opportunity/` pages by at most 250 (its own `_limit` maximum).
    const opps = await api.all<{ id: string; confidence: number | null }>('/opportunity/', { id__in: ids.join(','), _fields: 'id,confidence' }, 250);
    setConfidence((c) => ({ ...c, ...Object.fromEntries(opps.map((o) => [o.id, o.confidence])) }));
  }

  async function refresh(): Promise<Task[] | null> {
    const mine = ++generation.current;
    const { filters: f, pages: n } = latest.current;
    const query = taskQuery(f, me.id);
    try {
      const [list, ...viewCounts] = await Promise.all([
        api.get<{ data: Task[]; has_more: boolean }>('/task/', { ...query, _limit: Math.min(MAX_LIMIT, PAGE_SIZE * n), _order_by: f.view === 'archive' ? '-date' : undefined }),
        ...VIEWS.map((v) => api.all<{ id: string }>('/task/', { ...taskQuery(f, me.id, v.id), _fields: 'id' }).then((r) => r.length)),
      ]);
      if (mine !== generation.current) return null;
      setTasks(list.data);
      setHasMore(list.has_more);
      setCounts({ inbox: viewCounts[0], future: viewCounts[1], archive: viewCounts[2] });
      setLoadedFor(formatHash(f));
      loadConfidence(list.data).catch(onError);
      return list.data;
    } catch (e) {
      if (mine === generation.current) onError(e);
      return null;
    }
  }

  // A new filter starts from one page; until its list arrives, `loaded` is false.
  useEffect(() => {
    setPages(1);
    latest.current.pages = 1;
    void refresh();
  }, [filters.view, filters.type, filters.assignee, filters.lead]);

  useEffect(() => {
    if (pages > 1) void refresh();
  }, [pages]);

  return {
    tasks,
    hasMore,
    loaded: loadedFor === formatHash(filters),
    counts,
    confidence,
    refresh,
    showMore: () => setPages((n) => n + 1),
    applyLocal(updated) {
      const f = latest.current.filters;
      setTasks((list) => (stillListed(updated, f, me.id) ? list.map((t) => (t.id === updated.id ? updated : t)) : list.filter((t) => t.id !== updated.id)));
    },
    removeLocal(ids) {
      const gone = new Set(ids);
      setTasks((list) => list.filter((t) => !gone.has(t.id)));
    },
  };
}
