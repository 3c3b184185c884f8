/**
 * `tasklane/client`: a typed client of the Tasklane (Close Tasks) API, `openapi-fetch`
 * over the types `openapi-typescript` generates from `openapi.json` (`schema.d.ts`,
 * `npm run openapi`), with Close's Basic auth from an API key and `paginate`, which
 * walks a list page by page (`_skip`/`_limit`) until `has_more` is false.
 *
 * ```ts
 * import { createTasklaneClient } from 'tasklane/client';
 * const tl = createTasklaneClient({ baseUrl: 'http://127.0.0.1:8787', apiKey: process.env.KEY! });
 * const { data } = await tl.GET('/task/{id}/', { params: { path: { id } } });
 * for await (const task of tl.paginate('/task/', { view: 'inbox' })) console.log(task.id);
 * ```
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };

/** A shared schema of the document by name, e.g. `Schema<'Task'>`, `Schema<'Lead'>`. */
export type Schema<N extends keyof components['schemas']> = components['schemas'][N];

/** Close's error body (reference §6.2). */
export type CloseErrorBody = components['schemas']['Error'];

/** The list a path's GET answers, when it is a `{data, has_more}` page. */
type PageOf<P extends keyof paths> = paths[P] extends { get: { responses: { 200: { content: { 'application/json': infer B } } } } }
  ? B extends { data: unknown[]; has_more: boolean }
    ? B
    : never
  : never;

/** Paths whose GET answers a `{data, has_more}` page (`/task/`, `/lead/`, `/activity/call/`...; not `/event/`, which pages by cursor). */
export type ListPath = { [P in keyof paths]: PageOf<P> extends never ? never : P }[keyof paths];

/** One item of a list path's pages. */
export type ItemOf<P extends ListPath> = PageOf<P>['data'][number];

/** The query parameters of a list path's GET, without the paging ones. */
export type ListQuery<P extends ListPath> = Omit<NonNullable<paths[P] extends { get: { parameters: { query?: infer Q } } } ? Q : never>, '_skip' | '_limit'>;

/** A failed request: the status and Close's error body. */
export class TasklaneError extends Error {
  constructor(
    readonly status: number,
    readonly body: CloseErrorBody | undefined,
  ) {
    super(`Tasklane answered ${status}: ${JSON.stringify(body)}`);
    this.name = 'TasklaneError';
  }
}

export interface TasklaneClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** The server, e.g. `http://127.0.0.1:8787`; `/api/v1` is added unless the URL ends with it. */
  baseUrl: string;
  /** An API key (`tasklane apikey create`), sent as Close's Basic auth (`key:`). */
  apiKey: string;
}

/** The typed client: `GET`/`POST`/`PUT`/`DELETE` of `openapi-fetch`, plus `paginate`. */
export interface TasklaneClient extends Client<paths> {
  /**
   * Every item of a list, fetching pages of `pageSize` (default 100) with `_skip` and
   * `_limit` until a page says `has_more: false`.
   * @throws TasklaneError when a page answers an error.
   */
  paginate<P extends ListPath>(path: P, query?: ListQuery<P>, pageSize?: number): AsyncGenerator<ItemOf<P>, void, undefined>;
}

/** The API root for a server URL: `…/api/v1`, without a trailing slash. */
export function apiBaseUrl(server: string): string {
  const trimmed = server.replace(/\/+$/, '');
  return trimmed.endsWith('/api/v1') ? trimmed : `${trimmed}/api/v1`;
}

/** A client of the server at `opts.baseUrl` acting as the owner of `opts.apiKey`. */
export function createTasklaneClient(opts: TasklaneClientOptions): TasklaneClient {
  const { apiKey, baseUrl, headers, ...rest } = opts;
  const client = createClient<paths>({
    ...rest,
    baseUrl: apiBaseUrl(baseUrl),
    headers: { ...(headers as Record<string, string> | undefined), Authorization: `Basic ${btoa(`${apiKey}:`)}` },
  });
  async function* paginate<P extends ListPath>(path: P, query?: ListQuery<P>, pageSize = 100): AsyncGenerator<ItemOf<P>, void, undefined> {
    let skip = 0;
    for (;;) {
      const get = client.GET as (p: string, init: unknown) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
      const { data, error, response } = await get(path, { params: { query: { ...(query ?? {}), _skip: skip, _limit: pageSize } } });
      if (!data) throw new TasklaneError(response.status, error as CloseErrorBody | undefined);
      const page = data as { data: ItemOf<P>[]; has_more: boolean };
      yield* page.data;
      if (!page.has_more || page.data.length === 0) return;
      skip += page.data.length;
    }
  }
  return Object.assign(client, { paginate });
}
