/**
 * The page: the sign-in form until an API key is accepted, then the inbox. A key kept
 * in this tab's session storage signs in again on reload.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { Inbox } from './inbox.tsx';
import { openSession, storedKey, storeKey, type Session } from './session.ts';

/** The page's clock; one function so that every "today" on the page agrees. */
const now = () => Date.now();

/** The whole page. */
export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => storedKey() !== null);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    openSession(key)
      .then(setSession)
      .catch((e) => {
        // Only a refused key is forgotten; an unreachable server is tried again on reload.
        if (e instanceof ApiError && e.status === 401) storeKey(null);
        setMessage(e instanceof ApiError && e.status === 401 ? `Please sign in again: ${e.message}` : `${e instanceof Error ? e.message : String(e)} Reload the page to try again.`);
      })
      .finally(() => setRestoring(false));
  }, []);

  async function signIn(key: string) {
    const s = await openSession(key);
    storeKey(s.api.key);
    setMessage(null);
    setSession(s);
  }

  function signOut(why?: string) {
    storeKey(null);
    setSession(null);
    setMessage(why ?? null);
  }

  if (restoring) return <p class="boot">Signing in…</p>;
  if (!session) return <SignIn onSignIn={signIn} message={message} />;
  return <Inbox session={session} onSignOut={signOut} now={now} />;
}

/** The sign-in form: an API key, checked by the server. */
function SignIn({ onSignIn, message }: { onSignIn: (key: string) => Promise<void>; message: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    if (document.title !== 'Sign in · Tasklane') document.title = 'Sign in · Tasklane';
    return () => {
      document.title = 'Tasklane inbox';
    };
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSignIn(key);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
      input.current?.focus();
    }
  }

  const shown = error ?? message;
  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit}>
        <div class="signin-brand">
          <img src={new URL('../favicon.svg', import.meta.url).href} alt="" width={40} height={40} />
          <h1>Tasklane</h1>
        </div>
        <p class="lede">Your tasks, calls, emails and texts in one inbox.</p>
        <label for="api-key">API key</label>
        <input id="api-key" ref={input} type="password" autoComplete="off" spellcheck={false} required value={key} placeholder="api_…" onInput={(e) => setKey((e.target as HTMLInputElement).value)} aria-describedby="api-key-help" />
        <p id="api-key-help" class="hint">
          <code>npm start</code> prints one for each demo user; <code>tasklane apikey create</code> makes one for you. The key stays in this tab only.
        </p>
        {shown && (
          <p class="form-error" role="alert">
            {shown}
          </p>
        )}
        <button type="submit" class="btn primary wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
