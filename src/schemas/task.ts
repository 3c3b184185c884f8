/**
 * Schemas of `/task/` and `/task/{id}/` (reference §9-§10; decisions D2, D20-D23).
 */
import { Type, type Static } from 'typebox';
import { NullableString } from './common.js';

/** `POST /task/`, `PUT /task/{id}/` and `PUT /task/` bodies (reference §9.2-§9.5). */
export const TaskWriteSchema = Type.Object({
  _type: Type.Optional(Type.String({ description: 'lead (default) or outgoing_call; create only', maxLength: 100 })),
  lead_id: Type.Optional(NullableString),
  contact_id: Type.Optional(NullableString),
  assigned_to: Type.Optional(Type.String({ description: 'user id; defaults to the caller on create', maxLength: 1_000 })),
  text: Type.Optional(Type.String({ description: 'lead tasks only', maxLength: 10_000 })),
  date: Type.Optional(Type.Union([Type.String({ description: 'YYYY-MM-DD or ISO 8601 date-time', maxLength: 100 }), Type.Null()])),
  due_date: Type.Optional(NullableString),
  is_dateless: Type.Optional(Type.Boolean()),
  is_complete: Type.Optional(Type.Boolean()),
  priority: Type.Optional(Type.Union([Type.Literal('high'), Type.Literal('medium'), Type.Null()])),
  resolution: Type.Optional(Type.Union([Type.Literal('abandoned'), Type.Literal('skipped'), Type.Null()])),
});

export type TaskWriteBody = Static<typeof TaskWriteSchema>;
