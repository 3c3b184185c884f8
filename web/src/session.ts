/**
 * Signing in: the API key is checked with `GET /me/`, kept in the tab's session
 * storage (gone when the tab closes, never sent anywhere but this server's API), and
 * the organization's users are read once for the assign menus and filters.
 */
import { Api } from './api.ts';
import type { User } from './tasks.ts';

const STORAGE_KEY = 'tasklane.apiKey';

/** Who is signed in, and the client that acts for them. */
export interface Session {
  api: Api;
  me: User;
  users: User[];
  organization: string;
  /** The zone the server applies to this user's views (D16: the stored zone, else UTC). */
  zone: string;
}

const USER_FIELDS = 'id,first_name,last_name,email,last_used_timezone';

/**
 * Checks `key` against the server and loads who it belongs to.
 * @throws ApiError with the server's words (401 for a key it does not know).
 */
export async function openSession(key: string): Promise<Session> {
  const api = new Api(key.trim());
  const me = await api.get<User & { organizations?: { name: string }[] }>('/me/');
  const users = await api.all<User>('/user/', { _fields: USER_FIELDS });
  return { api, me, users, organization: me.organizations?.[0]?.name ?? '', zone: me.last_used_timezone || 'UTC' };
}

/** The key this tab signed in with, if any. */
export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Keeps `key` for this tab, or forgets it (null). */
export function storeKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(STORAGE_KEY, key);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage may be disabled; the session then lasts until a reload.
  }
}
