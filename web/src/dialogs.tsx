/**
 * The page's two dialogs, both native `<dialog>` elements opened as modals (focus
 * trapped, Escape closes, focus returns to what opened them): the list of keyboard
 * shortcuts, and a new task on a lead found by name.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Api } from './api.ts';
import { dayOf } from './days.ts';
import { Icon } from './icons.tsx';
import { userName, type Task, type User } from './tasks.ts';

/** A modal `<dialog>` that is open while mounted; `onClose` runs on Escape and on its close button. */
function Modal(props: { titleId: string; title: string; onClose: () => void; children: ComponentChildren; class?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current!;
    const opener = document.activeElement as HTMLElement | null;
    d.showModal();
    return () => {
      if (d.open) d.close();
      opener?.focus?.();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={props.class ? `modal ${props.class}` : 'modal'}
      aria-labelledby={props.titleId}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <div class="modal-head">
        <h2 id={props.titleId}>{props.title}</h2>
        <button type="button" class="btn icon-only" onClick={props.onClose}>
          <Icon name="x" />
          <span class="sr-only">Close</span>
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

/** Every shortcut of the page, as `?` shows them. */
export const SHORTCUTS: [string, string][] = [
  ['j', 'Next task'],
  ['k', 'Previous task'],
  ['x', 'Select or unselect the task'],
  ['e', 'Complete the task (reopen it in the Archive)'],
  ['s', 'Snooze the task'],
  ['?', 'Show these shortcuts'],
  ['Esc', 'Close a menu or dialog'],
];

/** The `?` dialog: every shortcut. */
export function KeysDialog({ onClose }: { onClose: () => void }) {
  return (
    <Modal titleId="keys-title" title="Keyboard shortcuts" onClose={onClose} class="keys">
      <dl class="shortcuts">
        {SHORTCUTS.map(([k, what]) => (
          <div>
            <dt>
              <kbd>{k}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <p class="muted">Tab reaches every button; the arrow keys move between the tabs Inbox, Future and Archive.</p>
    </Modal>
  );
}

interface LeadHit {
  id: string;
  display_name: string;
}

/** How long typing must pause before the lead search asks the server. */
const LEAD_SEARCH_DEBOUNCE_MS = 250;

/**
 * A new lead task: the lead is found by name (`GET /lead/?query=`), then `POST /task/`
 * with its text, date (today in the user's zone unless changed) and assignee. A
 * refusal stays in the dialog, in the server's words.
 */
export function NewTaskDialog(props: { api: Api; users: User[]; meId: string; zone: string; now: () => number; onCreated: (t: Task) => void; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<LeadHit[] | null>(null);
  const [lead, setLead] = useState<LeadHit | null>(null);
  const [text, setText] = useState('');
  const [date, setDate] = useState(dayOf(props.now(), props.zone));
  const [assignee, setAssignee] = useState(props.meId);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setHits(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      props.api
        .get<{ data: LeadHit[] }>('/lead/', { query: q, _fields: 'id,display_name', _limit: 8 })
        .then((r) => live && setHits(r.data))
        .catch((e) => live && setError(e instanceof ApiError ? e.message : String(e)));
    }, LEAD_SEARCH_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query]);

  async function submit(e: Event) {
    e.preventDefault();
    if (!lead) {
      setError('Choose a lead first: type part of its name, then pick it from the list.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const task = await props.api.post<Task>('/task/', { lead_id: lead.id, text, date: date || undefined, assigned_to: assignee });
      props.onCreated(task);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal titleId="new-title" title="New task" onClose={props.onClose} class="new-task">
      <form onSubmit={submit} class="form">
        <div class="field">
          <label for="new-lead">Lead</label>
          <input id="new-lead" type="text" autoComplete="off" placeholder="Type a lead's name" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} aria-describedby="new-lead-hint" />
          <p id="new-lead-hint" class="hint" aria-live="polite">
            {lead ? `Chosen: ${lead.display_name}` : hits === null ? 'Search by name, then pick the lead.' : hits.length ? `${hits.length} matching ${hits.length === 1 ? 'lead' : 'leads'}` : 'No lead matches.'}
          </p>
          {hits && hits.length > 0 && (
            <fieldset class="hits">
              <legend class="sr-only">Matching leads</legend>
              {hits.map((h) => (
                <label class={lead?.id === h.id ? 'hit chosen' : 'hit'}>
                  <input type="radio" name="new-lead-choice" value={h.id} checked={lead?.id === h.id} onChange={() => setLead(h)} />
                  {h.display_name}
                </label>
              ))}
            </fieldset>
          )}
        </div>
        <div class="field">
          <label for="new-text">Task</label>
          <input id="new-text" required value={text} placeholder="Call back about the renewal" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field-row">
          <div class="field">
            <label for="new-date">Date</label>
            <input id="new-date" type="date" value={date} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
          </div>
          <div class="field">
            <label for="new-assignee">Assign to</label>
            <select id="new-assignee" value={assignee} onChange={(e) => setAssignee((e.target as HTMLSelectElement).value)}>
              {props.users.map((u) => (
                <option value={u.id}>
                  {userName(u)}
                  {u.id === props.meId ? ' (me)' : ''}
                </option>
              ))}
            </select>
          </div>
        </div>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <div class="form-actions">
          <button type="button" class="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create task'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
