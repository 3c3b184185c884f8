/**
 * Pieces of the response schemas (issue 8 item 5): what every route answers, in
 * TypeBox. Response schemas document and type the answers; they are never handed to
 * Fastify's serializer (it would drop unknown keys and coerce values, and `_fields`,
 * D9, makes partial objects). The test harness checks every answer of every test
 * against its route's schema, so they cannot drift from what the server sends.
 *
 * A schema with an `$id` is a shared one: the OpenAPI document lists it once under
 * `components/schemas` and points to it with `$ref` (server/openapi.ts).
 */
import { Type, type TArray, type TBoolean, type TInteger, type TObject, type TSchema } from 'typebox';

/** `s` or null. */
export const Nullable = <S extends TSchema>(s: S) => Type.Union([s, Type.Null()]);

/** An instant as Close writes it: ISO 8601 with microseconds and `+00:00` (D19). */
export const DateTime = Type.String({ description: 'ISO 8601 date-time, UTC (D19)' });
export const NullableDateTime = Nullable(DateTime);
export const NullableText = Nullable(Type.String());
export const NullableInteger = Nullable(Type.Integer());

/** A JSON object of any keys (filters, custom fields, event payloads). */
export const AnyObject = Type.Object({}, { additionalProperties: true });

/**
 * A closed object: every key of `props` present (`Type.Optional` for the few that are
 * not), no other key. Close's JSON for one object has a fixed set of keys (D34 for tasks).
 */
export function Closed<P extends Record<string, TSchema>>(props: P, options: { $id?: string; description?: string } = {}): TObject<P> {
  return Type.Object(props, { additionalProperties: false, ...options });
}

/** Close's list page `{data, has_more}` (reference §3.1). */
export function ListOf<S extends TSchema>(item: S, description?: string): TObject<{ data: TArray<S>; has_more: TBoolean }> {
  return Closed({ data: Type.Array(item), has_more: Type.Boolean() }, description ? { description } : {});
}

/** A list page that also counts all matches: `{data, has_more, total_results}` (`GET /lead/`, reference §13.4). */
export function CountedListOf<S extends TSchema>(item: S): TObject<{ data: TArray<S>; has_more: TBoolean; total_results: TInteger }> {
  return Closed({ data: Type.Array(item), has_more: Type.Boolean(), total_results: Type.Integer({ minimum: 0 }) });
}

/** `DELETE` answers `{}` (reference §9.6). */
export const EmptyResponse = Closed({}, { $id: 'Empty', description: 'An empty object: the delete is done.' });

/** `PUT /task/` answers how many tasks matched and were updated (reference §9.5). */
export const BulkCountResponse = Closed({ count: Type.Integer({ minimum: 0 }) }, { $id: 'BulkCount' });

/**
 * Close's error bodies (reference §6.2; D26-D28; `close/errors.ts`): `{"error": text}`,
 * `{"errors": [...], "field-errors": {...}}`, `{"errors": [...]}`, and the 429 of D31
 * whose `error` is an object with the limit's numbers beside it.
 */
export const ErrorResponse = Type.Union(
  [
    Closed({ error: Type.String() }),
    Closed({ errors: Type.Array(Type.String()), 'field-errors': AnyObject }),
    Closed({ errors: Type.Array(Type.String()) }),
    Type.Object({ error: Type.Object({ message: Type.String() }, { additionalProperties: true }) }, { additionalProperties: true }),
  ],
  { $id: 'Error', description: "Close's error body (reference §6.2)" },
);
