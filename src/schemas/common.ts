/**
 * Pieces every route schema uses (TypeBox). Request schemas allow unknown keys and
 * ignore them, as Close ignores them (D20: Close's own restore scripts post whole task
 * objects back).
 */
import { Type, type TLiteral, type TNull, type TUnion } from 'typebox';

export const NullableString = Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()]);
export const NullableInt = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);
export const NullableStringList = Type.Union([Type.Array(Type.String({ maxLength: 1_000 })), Type.Null()]);

/** The string literals of `values`, as a tuple of schemas. */
type Literals<V extends readonly string[]> = { -readonly [K in keyof V]: TLiteral<V[K]> };

/** A nullable enum of string literals (`values` as a const tuple keeps its members in the static type). */
export function NullableEnum<const V extends readonly string[]>(values: V, description?: string): TUnion<[...Literals<V>, TNull]> {
  const literals = values.map((v) => Type.Literal(v)) as unknown as Literals<V>;
  return Type.Union([...literals, Type.Null()], description ? { description } : {}) as TUnion<[...Literals<V>, TNull]>;
}
