/**
 * The page's only way to the server: Tasklane's public Close API under `/api/v1`,
 * with the API key as the Basic-auth user name (`key:`), exactly as a script would
 * call it. Refusals become `ApiError`s whose message is the server's own words.
 */

export const API = '/api/v1';

/** A refused or failed request; `message` is what to show the user. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }
}

function describeFieldErrors(fieldErrors: Record<string, unknown>): string[] {
  return Object.entries(fieldErrors).map(([field, msg]) => `${field}: ${typeof msg === 'string' ? msg : JSON.stringify(msg)}`);
}

/**
 * The words of a Close error body: `{"error": "..."}`, the 429 form whose `error` is
 * an object with a `message`, or `{"errors": [...], "field-errors": {...}}`.
 */
export function errorText(body: unknown, status: number): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (typeof b.error === 'string') return b.error;
    if (b.error && typeof b.error === 'object' && typeof (b.error as { message?: unknown }).message === 'string') {
      const reset = Number((b.error as { rate_reset?: unknown }).rate_reset);
      const msg = (b.error as { message: string }).message;
      return Number.isFinite(reset) ? `${msg} (try again in ${Math.ceil(reset)} s)` : msg;
    }
    const parts = [
      ...(Array.isArray(b.errors) ? b.errors.map(String) : []),
      ...(b['field-errors'] && typeof b['field-errors'] === 'object' ? describeFieldErrors(b['field-errors'] as Record<string, unknown>) : []),
    ];
    if (parts.length) return parts.join('; ');
  }
  return `The server answered HTTP ${status}.`;
}

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

function queryString(q: Query | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** A client bound to one API key. */
export class Api {
  private readonly auth: string;

  constructor(readonly key: string) {
    // btoa takes Latin-1; keys are ASCII (`api_` + base62).
    this.auth = 'Basic ' + btoa(`${key}:`);
  }

  /**
   * Sends one request and answers its JSON.
   * @throws ApiError with the server's message on any non-2xx answer, or when the server cannot be reached.
   */
  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, query?: Query, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(API + path + queryString(query), {
        method,
        headers: { Authorization: this.auth, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(`Tasklane cannot be reached (${(e as Error).message}).`, 0, null);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) throw new ApiError(errorText(json, res.status), res.status, json);
    return json as T;
  }

  /** `GET path?query`. */
  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  /** `PUT path?query` with a JSON body (a partial update, D2; a bulk update on `/task/`, D23). */
  put<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>('PUT', path, query, body);
  }

  /** `POST path?query` with a JSON body. */
  post<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>('POST', path, query, body);
  }

  /**
   * Every item of a list endpoint that pages with `_skip`/`_limit` and `has_more`
   * (the task list has no total, D8, so counting means paging).
   */
  async all<T>(path: string, query: Query, pageSize = 1000): Promise<T[]> {
    const out: T[] = [];
    for (let skip = 0; ; skip += pageSize) {
      const page = await this.get<{ data: T[]; has_more: boolean }>(path, { ...query, _limit: pageSize, _skip: skip });
      out.push(...page.data);
      if (!page.has_more || page.data.length === 0) return out;
    }
  }
}
