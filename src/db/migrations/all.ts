/** Every migration of the schema, in order (`connect.ts` applies them; names sort in application order). */
import type { Migration } from 'kysely';
import * as m0001 from './0001_core.js';
import * as m0002 from './0002_events.js';
import * as m0003 from './0003_generated.js';
import * as m0004 from './0004_memberships.js';
import * as m0005 from './0005_operations.js';
import * as m0006 from './0006_lead_open_tasks.js';
import * as m0007 from './0007_list_indexes.js';
import * as m0008 from './0008_filter_indexes.js';
import * as m0009 from './0009_covering_indexes.js';

export const MIGRATIONS: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_events': m0002,
  '0003_generated': m0003,
  '0004_memberships': m0004,
  '0005_operations': m0005,
  '0006_lead_open_tasks': m0006,
  '0007_list_indexes': m0007,
  '0008_filter_indexes': m0008,
  '0009_covering_indexes': m0009,
};
