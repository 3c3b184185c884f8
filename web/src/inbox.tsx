/**
 * The signed-in page: who is signed in, the Inbox / Future / Archive tabs with their
 * counts, filters, the task list grouped by day, bulk actions, keyboard shortcuts and
 * live updates. Every action is one call of the public API; its answer is shown at
 * once, and the list and counts are then read again.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { dayOf, groupByDay, shortDate } from './days.ts';
import { KeysDialog, NewTaskDialog } from './dialogs.tsx';
import { Icon } from './icons.tsx';
import { EventWatcher } from './live.ts';
import { formatHash, parseHash, type Filters } from './route.ts';
import { TaskRow, type MenuKind, type RowActions } from './row.tsx';
import type { Session } from './session.ts';
import { stillListed, useTaskList } from './store.ts';
import { TYPE_LABELS, VIEWS, taskTitle, userLabels, userName, type Task, type User, type View } from './tasks.ts';
import { BulkBar, Filter, Toast, type Notice } from './parts.tsx';

const activeTabLabel = (v: View) => VIEWS.find((x) => x.id === v)!.label;

const EMPTY_TEXT: Record<View, string> = {
  inbox: 'Inbox zero: nothing needs you today.',
  future: 'Nothing is scheduled after today.',
  archive: 'No completed tasks yet.',
};

/** Keys typed into these elements are text, not shortcuts. */
function isTyping(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  return el.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit'].includes((el as HTMLInputElement).type);
}

/** The signed-in page for `session`; `now` is the page's clock. */
export function Inbox({ session, onSignOut, now }: { session: Session; onSignOut: (message?: string) => void; now: () => number }) {
  const { api, me, users, zone } = session;
  const [filters, setFilters] = useState<Filters>(() => parseHash(location.hash));
  const [notice, setNotice] = useState<Notice | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [activeId, setActiveId] = useState<string | null>(null);
  const [busy, setBusy] = useState<Set<string>>(new Set());
  const [menu, setMenuState] = useState<{ id: string; kind: MenuKind } | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [announcement, setAnnouncement] = useState('');
  const [dialog, setDialog] = useState<'keys' | 'new' | null>(null);
  const focusNext = useRef<string | null>(null);
  const created = useRef(new Set<string>());

  function showError(e: unknown) {
    if (e instanceof ApiError && e.status === 401) return onSignOut(`Signed out: the server no longer accepts this API key (${e.message})`);
    setNotice({ kind: 'error', text: e instanceof ApiError ? e.message : String(e) });
  }

  const list = useTaskList(session, filters, showError);
  const today = dayOf(now(), zone);
  const groups = useMemo(() => groupByDay(list.tasks, filters.view, today, zone), [list.tasks, filters.view, today, zone]);
  const order = useMemo(() => groups.flatMap((g) => g.tasks.map((t) => t.id)), [groups]);
  const labels = useMemo(() => userLabels(users), [users]);
  const byId = useMemo(() => new Map(list.tasks.map((t) => [t.id, t])), [list.tasks]);

  // The URL's hash holds the filters (a lead's link, reload and back keep them).
  useEffect(() => {
    const onHash = () => setFilters(parseHash(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  function go(patch: Partial<Filters>) {
    const f = { ...filters, ...patch };
    history.replaceState(null, '', formatHash(f));
    setFilters(f);
  }
  // Another list: nothing stays selected, open or marked new.
  useEffect(() => {
    setSelected(new Set());
    setMenuState(null);
    setEditing(null);
    setFresh(new Set());
  }, [formatHash(filters)]);

  // Selection and the active row only hold tasks that are still listed.
  useEffect(() => {
    setSelected((s) => (s.size && [...s].some((id) => !byId.has(id)) ? new Set([...s].filter((id) => byId.has(id))) : s));
    if (focusNext.current && byId.has(focusNext.current)) {
      const id = focusNext.current;
      focusNext.current = null;
      setActiveId(id);
      document.getElementById(`task-${id}`)?.focus();
    }
  }, [byId]);

  // Live: every new event of the organization refreshes the list; tasks that arrive are marked New.
  const refreshLive = useRef<() => void>(() => {});
  refreshLive.current = async () => {
    const before = new Set(list.tasks.map((t) => t.id));
    const data = await list.refresh();
    if (!data || !list.loaded) return;
    const arrived = data.filter((t) => !before.has(t.id) && !created.current.has(t.id));
    if (!arrived.length) return;
    setFresh((s) => new Set([...s, ...arrived.map((t) => t.id)]));
    setAnnouncement(arrived.length === 1 ? `New task: ${taskTitle(arrived[0])}` : `${arrived.length} new tasks`);
  };
  // A failing poll is shown as a quiet "not live" mark, not as an error after every try.
  const [offline, setOffline] = useState<string | null>(null);
  useEffect(() => {
    const watcher = new EventWatcher(
      api,
      () => refreshLive.current(),
      (e) => (e instanceof ApiError && e.status === 401 ? showError(e) : setOffline(e instanceof Error ? e.message : String(e))),
      () => setOffline(null),
    );
    void watcher.start();
    return () => watcher.stop();
  }, [api]);

  useEffect(() => {
    const n = list.counts[filters.view];
    document.title = `${activeTabLabel(filters.view)}${n == null ? '' : ` (${n})`} · Tasklane`;
  }, [list.counts, filters.view]);

  /** Runs one API call for `ids`, keeping their buttons busy, and shows its result or refusal. */
  async function act<T>(ids: string[], call: () => Promise<T>, done: (result: T) => void): Promise<void> {
    setBusy((b) => new Set([...b, ...ids]));
    try {
      const result = await call();
      done(result);
      void list.refresh();
    } catch (e) {
      showError(e);
    } finally {
      setBusy((b) => new Set([...b].filter((id) => !ids.includes(id))));
    }
  }

  /**
   * Where the focus goes after an action on `t`, when it was on `t`: back to its row
   * when the task stays listed (its menu or edit form closed), else to the task after
   * it (or before it).
   */
  function keepFocusNear(t: Task, stays: boolean) {
    if (activeId !== t.id && !document.activeElement?.closest(`#task-${t.id}`)) return;
    const i = order.indexOf(t.id);
    focusNext.current = stays ? t.id : (order[i + 1] ?? order[i - 1] ?? null);
  }

  function putOne(t: Task, body: Record<string, unknown>, message: (u: Task) => string, undo?: () => void) {
    void act(
      [t.id],
      () => api.put<Task>(`/task/${t.id}/`, body),
      (updated) => {
        keepFocusNear(t, stillListed(updated, filters, me.id));
        list.applyLocal(updated);
        setMenuState(null);
        setEditing(null);
        setNotice({ kind: 'ok', text: message(updated), undo });
      },
    );
  }

  const actions: RowActions = {
    select: (id, on) => setSelected((s) => (on ? new Set([...s, id]) : new Set([...s].filter((x) => x !== id)))),
    complete: (t) => putOne(t, { is_complete: true }, () => `Completed “${taskTitle(t)}”.`, () => actions.reopen({ ...t, is_complete: true })),
    reopen: (t) => putOne(t, { is_complete: false }, (u) => `Reopened “${taskTitle(t)}”; it is back in ${u.view === 'future' ? 'Future' : 'the Inbox'}.`),
    snooze: (t, date, label) => putOne(t, { date }, (u) => `Snoozed “${taskTitle(t)}” to ${label}${u.view === 'future' ? ': it is in Future now' : ''}.`),
    assign: (t, u: User) => putOne(t, { assigned_to: u.id }, () => `Assigned “${taskTitle(t)}” to ${u.id === me.id ? 'you' : userName(u)}.`),
    saveText: (t, text) => putOne(t, { text }, () => `Saved “${text}”.`),
    setMenu: (id, kind) => setMenuState(kind ? { id, kind } : null),
    setEditing,
    activate: setActiveId,
  };

  function bulk(body: Record<string, unknown>, what: string) {
    const ids = order.filter((id) => selected.has(id));
    if (!ids.length) return;
    // One PUT for all of them; `_type=all` because without it only lead tasks match (D10, D23).
    void act(
      ids,
      () => api.put<{ count: number }>('/task/', body, { id__in: ids.join(','), _type: 'all' }),
      (r) => {
        list.removeLocal(body.is_complete !== undefined ? ids : []);
        setSelected(new Set());
        setNotice({ kind: 'ok', text: `${what} ${r.count === 1 ? '1 task' : `${r.count} tasks`}.` });
      },
    );
  }

  function move(step: number) {
    if (!order.length) return;
    const i = activeId ? order.indexOf(activeId) : -1;
    const next = order[Math.max(0, Math.min(order.length - 1, i < 0 ? 0 : i + step))];
    setActiveId(next);
    const el = document.getElementById(`task-${next}`);
    el?.focus();
    el?.scrollIntoView({ block: 'nearest' });
  }

  // Shortcuts: j/k move, x selects, e completes (reopens in the Archive), s snoozes, ? lists them.
  const onKey = useRef<(e: KeyboardEvent) => void>(() => {});
  onKey.current = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || dialog || isTyping(e.target)) return;
    const t = activeId ? byId.get(activeId) : undefined;
    switch (e.key) {
      case 'j':
        move(1);
        break;
      case 'k':
        move(-1);
        break;
      case 'x':
        if (t) actions.select(t.id, !selected.has(t.id));
        break;
      case 'e':
        if (t && !busy.has(t.id)) (t.is_complete ? actions.reopen : actions.complete)(t);
        break;
      case 's':
        if (t && !t.is_complete) actions.setMenu(t.id, 'snooze');
        break;
      case '?':
        setDialog('keys');
        break;
      default:
        return;
    }
    e.preventDefault();
  };
  useEffect(() => {
    const h = (e: KeyboardEvent) => onKey.current(e);
    document.addEventListener('keydown', h);
    return () => document.removeEventListener('keydown', h);
  }, []);

  const leadName = filters.lead ? (list.tasks.find((t) => t.lead_id === filters.lead)?.lead_name ?? 'this lead') : null;
  const allSelected = order.length > 0 && order.every((id) => selected.has(id));
  const activeTab = VIEWS.find((v) => v.id === filters.view)!;

  function onTabKey(e: KeyboardEvent, i: number) {
    const dir = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    const to = e.key === 'Home' ? 0 : e.key === 'End' ? VIEWS.length - 1 : dir ? (i + dir + VIEWS.length) % VIEWS.length : -1;
    if (to < 0) return;
    e.preventDefault();
    go({ view: VIEWS[to].id });
    document.getElementById(`tab-${VIEWS[to].id}`)?.focus();
  }

  return (
    <div class="app">
      <header class="top">
        <div class="brand">
          <img src={new URL('../favicon.svg', import.meta.url).href} alt="" width={28} height={28} />
          <h1>Tasklane</h1>
          {session.organization && <span class="org">{session.organization}</span>}
        </div>
        <div class="who">
          <span class="sr-only">Signed in as</span>
          <span class="avatar" aria-hidden="true">
            {(userName(me)[0] ?? '?').toUpperCase()}
          </span>
          <div class="who-text">
            <strong class="who-name">{userName(me)}</strong>
            <span class="who-detail">
              <span class="who-email">{me.email}</span> · <span class="who-zone">{zone}</span>
            </span>
          </div>
          <button type="button" class="btn" onClick={() => onSignOut()}>
            Sign out
          </button>
        </div>
      </header>

      <main class="content">
        <div class="bar">
          <div class="tabs" role="tablist" aria-label="Task views">
            {VIEWS.map((v, i) => (
              <button
                type="button"
                role="tab"
                id={`tab-${v.id}`}
                class="tab"
                aria-selected={v.id === filters.view}
                aria-controls="panel"
                tabIndex={v.id === filters.view ? 0 : -1}
                onClick={() => go({ view: v.id })}
                onKeyDown={(e) => onTabKey(e, i)}
              >
                {v.label}
                <span class="count">{list.counts[v.id] ?? '…'}</span>
              </button>
            ))}
          </div>
          <div class="bar-actions">
            <span class={offline ? 'live off' : 'live'} aria-live="polite" title={offline ?? 'New tasks appear here as they arrive.'}>
              <span class="dot" aria-hidden="true" />
              {offline ? 'Not live: retrying' : 'Live'}
            </span>
            <button type="button" class="btn ghost" onClick={() => setDialog('keys')}>
              <Icon name="keyboard" /> Shortcuts <kbd>?</kbd>
            </button>
            <button type="button" class="btn primary" onClick={() => setDialog('new')}>
              <Icon name="plus" /> New task
            </button>
          </div>
        </div>

        <div class="filters">
          <Filter id="filter-type" label="Type" value={filters.type} onChange={(type) => go({ type })} options={[['all', 'All types'], ...Object.entries(TYPE_LABELS)]} />
          <Filter
            id="filter-assignee"
            label="Assigned to"
            value={filters.assignee}
            onChange={(assignee) => go({ assignee })}
            options={[['me', 'Me'], ['everyone', 'Everyone'], ...users.filter((u) => u.id !== me.id).map((u) => [u.id, labels.get(u.id)!] as [string, string])]}
          />
          {filters.lead && (
            <span class="chip">
              Lead: {leadName}
              <button type="button" class="btn icon-only small" onClick={() => go({ lead: null })}>
                <Icon name="x" />
                <span class="sr-only">Show every lead's tasks</span>
              </button>
            </span>
          )}
        </div>

        <section id="panel" role="tabpanel" aria-labelledby={`tab-${activeTab.id}`} class={list.loaded ? 'panel' : 'panel stale'} aria-busy={list.loaded ? 'false' : 'true'}>
          {selected.size > 0 && (
            <BulkBar count={selected.size} view={filters.view} users={users} labels={labels} meId={me.id} onComplete={(on) => bulk({ is_complete: on }, on ? 'Completed' : 'Reopened')} onAssign={(u) => bulk({ assigned_to: u.id }, `Assigned to ${userName(u)}:`)} onClear={() => setSelected(new Set())} />
          )}
          {!list.loaded && list.tasks.length === 0 ? (
            <p class="empty">Loading tasks…</p>
          ) : order.length === 0 ? (
            <div class="empty">
              <Icon name="inbox" class="big" />
              <p>{EMPTY_TEXT[filters.view]}</p>
            </div>
          ) : (
            <>
              <div class="list-head">
                <label class="select-all">
                  <input type="checkbox" checked={allSelected} onChange={(e) => setSelected((e.target as HTMLInputElement).checked ? new Set(order) : new Set())} />
                  Select all {order.length}
                </label>
              </div>
              {groups.map((g) => (
                <section class={`group group-${g.key === 'overdue' || g.key === 'today' ? g.key : 'day'}`} aria-labelledby={`group-${g.key}`}>
                  <h2 id={`group-${g.key}`} class="group-title">
                    {g.label}
                    {g.key === 'today' && <span class="group-date">{shortDate(today)}</span>}
                    <span class="group-count">{g.tasks.length}</span>
                  </h2>
                  <ul class="tasks">
                    {g.tasks.map((t) => (
                      <TaskRow
                        key={t.id}
                        task={t}
                        groupKey={g.key}
                        today={today}
                        zone={zone}
                        now={now}
                        active={t.id === activeId}
                        selected={selected.has(t.id)}
                        busy={busy.has(t.id)}
                        fresh={fresh.has(t.id)}
                        menu={menu?.id === t.id ? menu.kind : null}
                        editing={editing === t.id}
                        users={users}
                        meId={me.id}
                        confidence={t.object_id ? list.confidence[t.object_id] : undefined}
                        leadHref={(lead) => formatHash({ ...filters, lead })}
                        actions={actions}
                      />
                    ))}
                  </ul>
                </section>
              ))}
              {list.hasMore && (
                <button type="button" class="btn more" onClick={list.showMore}>
                  Show more
                </button>
              )}
            </>
          )}
        </section>
      </main>

      <p class="sr-only" aria-live="polite">
        {announcement}
      </p>
      <Toast notice={notice} onClose={() => setNotice(null)} />
      {dialog === 'keys' && <KeysDialog onClose={() => setDialog(null)} />}
      {dialog === 'new' && (
        <NewTaskDialog
          api={api}
          users={users}
          meId={me.id}
          zone={zone}
          now={now}
          onClose={() => setDialog(null)}
          onCreated={(t) => {
            created.current.add(t.id);
            setDialog(null);
            setNotice({ kind: 'ok', text: `Created “${taskTitle(t)}” on ${t.lead_name ?? 'the lead'}${t.view === 'future' ? ' (in Future)' : ''}.` });
            void list.refresh();
          }}
        />
      )}
    </div>
  );
}
