/**
 * `/task/` and `/task/{id}/` (reference §9; decisions D8-D15, D20-D24).
 */
import { projectFields, parsePage } from '../../close/params.js';
import { TASK_BULK_PARAMS, TASK_LIST_PARAMS } from '../../tasks/filters.js';
import { bulkUpdateTasks, createTask, deleteOneTask, getTask, listTaskPageText, updateOneTask } from '../../tasks/service.js';
import { TaskWriteSchema } from '../../schemas/task.js';
import { validateBody } from '../../schemas/validate.js';
import type { CloseRoute } from '../routing.js';
import { JsonText, ListCache } from '../listcache.js';
import { TaskBulkResponse, TaskListResponse, TaskResponse } from '../../schemas/task-response.js';
import { EmptyResponse } from '../../schemas/response.js';

/** Paging of `GET /task/` (D6): default 100, at most 1000. */
export const TASK_PAGE_LIMITS = { defaultLimit: 100, maxLimit: 1000 };

const FIELDS_ONLY = new Set(['_fields']);
const NO_PARAMS = new Set<string>();

/** A task write body checked against its schema (unknown keys, `_params` among them, pass through unused). */
function taskBody(body: unknown) {
  return validateBody(TaskWriteSchema, body);
}

export const taskRoutes: CloseRoute[] = [
  {
    method: 'GET',
    url: '/task/',
    summary: 'List or filter tasks',
    response: TaskListResponse,
    knownParams: TASK_LIST_PARAMS,
    handler: async ({ ctx, params, fields, settings }) => {
      const page = parsePage(params, TASK_PAGE_LIMITS);
      return settings.listCache.get(ctx, ListCache.key(ctx, '/task/', params), async () => new JsonText(await listTaskPageText(ctx, params, page, fields, settings.taskFragments)));
    },
  },
  {
    method: 'POST',
    url: '/task/',
    summary: 'Create a task',
    response: TaskResponse,
    knownParams: FIELDS_ONLY,
    body: TaskWriteSchema,
    handler: async ({ ctx, body, fields }) => projectFields(await createTask(ctx, taskBody(body)), fields),
  },
  {
    method: 'PUT',
    url: '/task/',
    summary: 'Bulk-update tasks',
    response: TaskBulkResponse,
    operationId: 'bulkUpdateTask',
    knownParams: TASK_BULK_PARAMS,
    body: TaskWriteSchema,
    handler: async ({ ctx, params, body }) => bulkUpdateTasks(ctx, params, taskBody(body)),
  },
  {
    method: 'GET',
    url: '/task/:id/',
    summary: "Fetch a task's details",
    response: TaskResponse,
    knownParams: FIELDS_ONLY,
    handler: async ({ ctx, id, fields }) => projectFields(await getTask(ctx, id), fields),
  },
  {
    method: 'PUT',
    url: '/task/:id/',
    summary: 'Update a task',
    response: TaskResponse,
    knownParams: FIELDS_ONLY,
    body: TaskWriteSchema,
    handler: async ({ ctx, id, body, fields }) => projectFields(await updateOneTask(ctx, id, taskBody(body)), fields),
  },
  {
    method: 'DELETE',
    url: '/task/:id/',
    summary: 'Delete a task',
    response: EmptyResponse,
    knownParams: NO_PARAMS,
    handler: async ({ ctx, id }) => deleteOneTask(ctx, id),
  },
];
