/**
 * One task in the list: what its type needs to act on it (reference §10.2) and its
 * actions: complete or reopen, snooze, assign, and for lead tasks edit the text.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Icon } from './icons.tsx';
import { addDays, dayOf, duration, shortDate, snoozeChoices, whenLabel } from './days.ts';
import { TYPE_LABELS, fileSize, formatPhone, taskTitle, userName, type Task, type User } from './tasks.ts';

export type MenuKind = 'snooze' | 'assign';

/** What a row can ask the page to do. */
export interface RowActions {
  select(id: string, on: boolean): void;
  complete(t: Task): void;
  reopen(t: Task): void;
  snooze(t: Task, date: string, label: string): void;
  assign(t: Task, u: User): void;
  saveText(t: Task, text: string): void;
  setMenu(id: string, kind: MenuKind | null): void;
  setEditing(id: string | null): void;
  activate(id: string): void;
}

/** Everything a row shows and needs. */
export interface RowProps {
  task: Task;
  groupKey: string;
  today: string;
  zone: string;
  /** The clock of the page (ms); snooze choices are computed from it. */
  now: () => number;
  active: boolean;
  selected: boolean;
  busy: boolean;
  fresh: boolean;
  menu: MenuKind | null;
  editing: boolean;
  users: User[];
  meId: string;
  /** Confidence (0-100) of an opportunity_due task's opportunity, once loaded. */
  confidence: number | null | undefined;
  leadHref: (leadId: string) => string;
  actions: RowActions;
}

/** Closes a popover on Escape (focus back on its button) and on a click outside it. */
function usePopover(open: boolean, close: () => void, trigger: { current: HTMLButtonElement | null }, box: { current: HTMLDivElement | null }) {
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        close();
        trigger.current?.focus();
      }
    };
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!box.current?.contains(t) && !trigger.current?.contains(t)) close();
    };
    document.addEventListener('keydown', onKey, true);
    document.addEventListener('mousedown', onDown);
    box.current?.querySelector<HTMLElement>('button:not([disabled]), input')?.focus();
    return () => {
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('mousedown', onDown);
    };
  }, [open]);
}

function SnoozeMenu(props: { task: Task; title: string; zone: string; now: () => number; onPick: (date: string, label: string) => void; box: { current: HTMLDivElement | null } }) {
  const nowMs = props.now();
  const choices = snoozeChoices(nowMs, props.zone);
  const today = dayOf(nowMs, props.zone);
  const [picked, setPicked] = useState(addDays(today, 2));
  const inputId = `snooze-date-${props.task.id}`;
  return (
    <div class="popover" ref={props.box} role="group" aria-label={`Snooze “${props.title}”`}>
      {choices.map((c) => (
        <button type="button" class="choice" disabled={!c.date} onClick={() => c.date && props.onPick(c.date, `${c.label.toLowerCase()} (${c.hint})`)}>
          <span>{c.label}</span>
          <span class="hint">{c.hint}</span>
        </button>
      ))}
      <form
        class="pick"
        onSubmit={(e) => {
          e.preventDefault();
          if (picked) props.onPick(picked, shortDate(picked, picked.slice(0, 4) !== today.slice(0, 4)));
        }}
      >
        <label for={inputId}>Pick a date</label>
        <div class="pick-row">
          <input id={inputId} type="date" min={today} required value={picked} onInput={(e) => setPicked((e.target as HTMLInputElement).value)} />
          <button type="submit" class="btn small">Snooze</button>
        </div>
      </form>
    </div>
  );
}

function AssignMenu(props: { task: Task; title: string; users: User[]; meId: string; onPick: (u: User) => void; box: { current: HTMLDivElement | null } }) {
  return (
    <div class="popover" ref={props.box} role="group" aria-label={`Assign “${props.title}” to`}>
      {props.users.map((u) => {
        const current = u.id === props.task.assigned_to;
        return (
          <button type="button" class="choice" aria-current={current ? 'true' : undefined} disabled={current} onClick={() => props.onPick(u)}>
            <span>
              {userName(u)}
              {u.id === props.meId ? ' (me)' : ''}
            </span>
            <span class="hint">{current ? 'assigned' : u.email}</span>
          </button>
        );
      })}
    </div>
  );
}

function EditForm(props: { task: Task; onSave: (text: string) => void; onCancel: () => void }) {
  const [text, setText] = useState(props.task.text ?? '');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);
  const id = `edit-${props.task.id}`;
  return (
    <form
      class="edit"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSave(text);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          props.onCancel();
        }
      }}
    >
      <label class="sr-only" for={id}>
        Task text
      </label>
      <input id={id} ref={input} value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      <button type="submit" class="btn small primary">Save</button>
      <button type="button" class="btn small" onClick={props.onCancel}>
        Cancel
      </button>
    </form>
  );
}

/** The type-specific body of a row: phones, previews, players, thumbnails, money. */
function Details({ t, confidence }: { t: Task; confidence: number | null | undefined }) {
  switch (t._type) {
    case 'missed_call':
    case 'voicemail':
    case 'answered_detached_call':
    case 'outgoing_call': {
      const phone = formatPhone(t.phone_formatted, t.phone);
      const player = t._type === 'voicemail' ? t.voicemail_url : t._type === 'answered_detached_call' ? t.recording_url : null;
      return (
        <>
          {phone && (
            <p class="detail phone">
              <a href={`tel:${t.phone ?? phone}`}>{phone}</a>
              {t.phone_number_description && <span class="muted"> · {t.phone_number_description}</span>}
              {t._type === 'voicemail' && t.voicemail_duration != null && <span class="muted"> · {duration(t.voicemail_duration)} voicemail</span>}
            </p>
          )}
          {!phone && t._type === 'voicemail' && t.voicemail_duration != null && <p class="detail muted">{duration(t.voicemail_duration)} voicemail</p>}
          {t._type === 'answered_detached_call' && <p class="detail muted">This number is on no contact yet.</p>}
          {player && (
            <audio class="player" controls preload="none" src={player} aria-label={t._type === 'voicemail' ? `Play voicemail from ${phone ?? 'caller'}` : `Play call recording with ${phone ?? 'caller'}`} />
          )}
        </>
      );
    }
    case 'incoming_email':
    case 'email_followup': {
      const n = t.emails?.length ?? 0;
      return (
        <p class="detail preview">
          {t._type === 'incoming_email' && n > 0 && <span class="pill">{n === 1 ? '1 email' : `${n} emails`}</span>}
          {t._type === 'email_followup' && <span class="pill">no reply yet</span>}
          {t.body_preview}
        </p>
      );
    }
    case 'incoming_sms':
      return (
        <>
          <p class="detail sms">{t.text}</p>
          <p class="detail phone muted">
            {formatPhone(t.remote_phone_formatted, t.remote_phone)}
            {t.remote_phone_description && ` · ${t.remote_phone_description}`}
          </p>
          {t.attachments && t.attachments.length > 0 && (
            <ul class="thumbs" aria-label="Attachments">
              {t.attachments.map((a) => (
                <li>
                  <a href={a.url} target="_blank" rel="noopener noreferrer" class="thumb">
                    {(a.content_type ?? '').startsWith('image/') || a.thumbnail_url ? (
                      <img src={a.thumbnail_url || a.url} alt={a.filename || 'attachment'} width={56} height={56} loading="lazy" onError={(e) => ((e.target as HTMLImageElement).hidden = true)} />
                    ) : null}
                    <span class="file">
                      <Icon name="clip" />
                      {a.filename || 'attachment'} {fileSize(a.size) && <span class="muted">{fileSize(a.size)}</span>}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          )}
        </>
      );
    case 'opportunity_due':
      return (
        <p class="detail">
          {t.opportunity_note && <span>{t.opportunity_note}</span>}
          {confidence != null && <span class="pill">{confidence}% confidence</span>}
        </p>
      );
    default:
      return null;
  }
}

/** One task row. */
export function TaskRow(p: RowProps) {
  const t = p.task;
  const a = p.actions;
  const title = taskTitle(t);
  const when = whenLabel(t.date, p.groupKey, p.today, p.zone);
  const snoozeBtn = useRef<HTMLButtonElement>(null);
  const assignBtn = useRef<HTMLButtonElement>(null);
  const snoozeBox = useRef<HTMLDivElement>(null);
  const assignBox = useRef<HTMLDivElement>(null);
  usePopover(p.menu === 'snooze', () => a.setMenu(t.id, null), snoozeBtn, snoozeBox);
  usePopover(p.menu === 'assign', () => a.setMenu(t.id, null), assignBtn, assignBox);
  const titleId = `title-${t.id}`;
  const cls = ['task', `type-${t._type}`, p.active && 'active', p.selected && 'selected', p.fresh && 'fresh', p.busy && 'busy'].filter(Boolean).join(' ');
  return (
    <li id={`task-${t.id}`} class={cls} tabIndex={-1} aria-labelledby={titleId} aria-busy={p.busy ? 'true' : undefined} onFocusIn={() => a.activate(t.id)} onMouseDown={() => a.activate(t.id)}>
      <input type="checkbox" class="select" checked={p.selected} onChange={(e) => a.select(t.id, (e.target as HTMLInputElement).checked)} aria-label={`Select “${title}”`} />
      <span class="type-icon" aria-hidden="true">
        <Icon name={t._type} />
      </span>
      <div class="main">
        <div class="head">
          <span class="type-label">{TYPE_LABELS[t._type] ?? t._type}</span>
          {t.priority === 'high' && <span class="pill warn">High priority</span>}
          {p.fresh && <span class="pill new">New</span>}
          {when && <span class="when">{when}</span>}
        </div>
        {p.editing ? (
          <EditForm task={t} onSave={(text) => a.saveText(t, text)} onCancel={() => a.setEditing(null)} />
        ) : (
          <h3 class="title" id={titleId}>
            {title}
          </h3>
        )}
        {p.editing && (
          <span id={titleId} class="sr-only">
            {title}
          </span>
        )}
        <p class="meta">
          {t.lead_id && t.lead_name && (
            <a href={p.leadHref(t.lead_id)} class="lead" title={`Tasks of ${t.lead_name}`}>
              {t.lead_name}
            </a>
          )}
          {t.contact_name && <span>{t.contact_name}</span>}
          <span class="assignee">
            <Icon name="user" />
            <span class="sr-only">Assigned to </span>
            {t.assigned_to === p.meId ? 'Me' : t.assigned_to_name || 'nobody'}
          </span>
        </p>
        <Details t={t} confidence={p.confidence} />
      </div>
      <div class="actions">
        {t.is_complete ? (
          <button type="button" class="btn" disabled={p.busy} onClick={() => a.reopen(t)}>
            <Icon name="reopen" /> Reopen<span class="sr-only"> “{title}”</span>
          </button>
        ) : (
          <button type="button" class="btn done" disabled={p.busy} onClick={() => a.complete(t)}>
            <Icon name="check" /> Done<span class="sr-only"> “{title}”</span>
          </button>
        )}
        {!t.is_complete && (
          <button
            type="button"
            class="btn quiet"
            ref={snoozeBtn}
            disabled={p.busy}
            aria-expanded={p.menu === 'snooze'}
            onClick={() => a.setMenu(t.id, p.menu === 'snooze' ? null : 'snooze')}
          >
            <Icon name="clock" /> Snooze<span class="sr-only"> “{title}”</span>
          </button>
        )}
        <button
          type="button"
          class="btn quiet"
          ref={assignBtn}
          disabled={p.busy}
          aria-expanded={p.menu === 'assign'}
          onClick={() => a.setMenu(t.id, p.menu === 'assign' ? null : 'assign')}
        >
          <Icon name="user" /> Assign<span class="sr-only"> “{title}”</span>
        </button>
        {t._type === 'lead' && !p.editing && (
          <button type="button" class="btn quiet" disabled={p.busy} onClick={() => a.setEditing(t.id)}>
            <Icon name="edit" /> Edit<span class="sr-only"> “{title}”</span>
          </button>
        )}
        {p.menu === 'snooze' && <SnoozeMenu task={t} title={title} zone={p.zone} now={p.now} box={snoozeBox} onPick={(date, label) => a.snooze(t, date, label)} />}
        {p.menu === 'assign' && <AssignMenu task={t} title={title} users={p.users} meId={p.meId} box={assignBox} onPick={(u) => a.assign(t, u)} />}
      </div>
    </li>
  );
}
