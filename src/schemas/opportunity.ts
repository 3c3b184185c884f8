/**
 * Schemas of `/opportunity/` and `/opportunity/{id}/` (reference §13.6; close-openapi.yml `CreateOpportunity`).
 */
import { Type, type Static } from 'typebox';
import { NullableEnum, NullableString } from './common.js';

/** `POST /opportunity/`, `PUT /opportunity/{id}/` bodies (close-openapi.yml `CreateOpportunity`; reference §13.6). */
export const OpportunityWriteSchema = Type.Object({
  lead_id: Type.Optional(NullableString),
  contact_id: Type.Optional(NullableString),
  user_id: Type.Optional(NullableString),
  status_id: Type.Optional(NullableString),
  status_type: Type.Optional(NullableEnum(['active', 'won', 'lost'])),
  status_label: Type.Optional(NullableString),
  value: Type.Optional(Type.Union([Type.Integer({ description: 'minor units (cents)' }), Type.Null()])),
  value_currency: Type.Optional(NullableString),
  value_period: Type.Optional(NullableEnum(['one_time', 'monthly', 'annual'])),
  confidence: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  note: Type.Optional(NullableString),
  date_won: Type.Optional(Type.Union([Type.String({ description: 'the (expected) close date, YYYY-MM-DD', maxLength: 100 }), Type.Null()])),
});
export type OpportunityWriteBody = Static<typeof OpportunityWriteSchema>;
