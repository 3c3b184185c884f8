/** Small pieces of the signed-in page: a labelled filter, the bulk-action bar, the result toast. */
import { useEffect, useState } from 'preact/hooks';
import { Icon } from './icons.tsx';
import type { User, View } from './tasks.ts';

/** A labelled `<select>` that changes one filter. */
export function Filter(props: { id: string; label: string; value: string; options: [string, string][]; onChange: (v: string) => void }) {
  return (
    <div class="filter">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {props.options.map(([v, label]) => (
          <option value={v}>{label}</option>
        ))}
      </select>
    </div>
  );
}

/** What an action left to say: a result (with an undo where one exists) or the server's refusal. */
export interface Notice {
  kind: 'ok' | 'error';
  text: string;
  undo?: () => void;
}

/** How long a result stays on screen; a refusal stays until closed or replaced. */
const NOTICE_MS = 6000;

/**
 * The toast for `notice`. Results are announced politely (a live status region that
 * is always in the page); refusals as alerts.
 */
export function Toast({ notice, onClose }: { notice: Notice | null; onClose: () => void }) {
  useEffect(() => {
    if (notice?.kind !== 'ok') return;
    const t = setTimeout(onClose, NOTICE_MS);
    return () => clearTimeout(t);
  }, [notice]);
  return (
    <div class="toasts">
      <div role="status" class={notice?.kind === 'ok' ? 'toast ok' : 'toast-slot'}>
        {notice?.kind === 'ok' && (
          <>
            <Icon name="check" />
            <span class="toast-text">{notice.text}</span>
            {notice.undo && (
              <button
                type="button"
                class="btn small inverse"
                onClick={() => {
                  notice.undo!();
                  onClose();
                }}
              >
                Undo
              </button>
            )}
          </>
        )}
      </div>
      <div role="alert" class={notice?.kind === 'error' ? 'toast error' : 'toast-slot'}>
        {notice?.kind === 'error' && (
          <>
            <strong>Not done:</strong>
            <span class="toast-text">{notice.text}</span>
            <button type="button" class="btn small inverse" onClick={onClose}>
              Dismiss
            </button>
          </>
        )}
      </div>
    </div>
  );
}

/** The bar over the list while tasks are selected: complete (or reopen) them or assign them, in one request. */
export function BulkBar(props: {
  count: number;
  view: View;
  users: User[];
  labels: Map<string, string>;
  meId: string;
  onComplete: (on: boolean) => void;
  onAssign: (u: User) => void;
  onClear: () => void;
}) {
  const [to, setTo] = useState('');
  const target = props.users.find((u) => u.id === to);
  return (
    <div class="bulk" role="region" aria-label="Selected tasks">
      <strong class="bulk-count">{props.count} selected</strong>
      <button type="button" class="btn inverse" onClick={() => props.onComplete(props.view !== 'archive')}>
        <Icon name={props.view === 'archive' ? 'reopen' : 'check'} /> {props.view === 'archive' ? 'Reopen' : 'Complete'}
      </button>
      <form
        class="bulk-assign"
        onSubmit={(e) => {
          e.preventDefault();
          if (target) props.onAssign(target);
        }}
      >
        <label for="bulk-assignee" class="sr-only">
          Assign the selected tasks to
        </label>
        <select id="bulk-assignee" value={to} onChange={(e) => setTo((e.target as HTMLSelectElement).value)}>
          <option value="">Assign to…</option>
          {props.users.map((u) => (
            <option value={u.id}>
              {props.labels.get(u.id)}
              {u.id === props.meId ? ' (me)' : ''}
            </option>
          ))}
        </select>
        <button type="submit" class="btn inverse" disabled={!target}>
          Assign
        </button>
      </form>
      <button type="button" class="btn inverse ghost" onClick={props.onClear}>
        Clear
      </button>
    </div>
  );
}
