/**
 * Checking a request body against its route schema, with Close's error shapes
 * (reference §6.2; D26). Query strings have no schema: `close/params.ts` and the
 * resources' parsers own their semantics and error messages (architecture note 1).
 */
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { CloseError } from '../close/errors.js';

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
}

/** One readable sentence for the errors at one path. */
function describe(errors: SchemaError[]): string {
  // A bound broken by a value of the right type says so, rather than naming the other types it is not.
  const bound = errors.find((e) => e.keyword === 'minimum' || e.keyword === 'maximum');
  if (bound) return `Must be ${bound.keyword === 'minimum' ? 'at least' : 'at most'} ${bound.params.limit}.`;
  // Issue 13: every stored string has a length limit.
  const long = errors.find((e) => e.keyword === 'maxLength');
  if (long) return `Must be at most ${long.params.limit} characters long.`;
  const expected: string[] = [];
  for (const e of errors) {
    if (e.keyword === 'type') expected.push(String(e.params.type));
    else if (e.keyword === 'const') expected.push(JSON.stringify(e.params.allowedValue));
  }
  if (expected.length) return `Expected ${[...new Set(expected)].join(' or ')}.`;
  return 'Invalid value.';
}

/** Places `message` at `path` in Close's nested error shape (reference §6.2 item 2). */
function place(target: Record<string, unknown>, path: string[], message: string): void {
  const [head, ...rest] = path;
  if (!rest.length) {
    if (!(head in target)) target[head] = message;
    return;
  }
  // head is a list field; rest[0] the index; deeper keys are field-errors of that item.
  const [index, ...deeper] = rest;
  const list = (target[head] ??= { errors: {} }) as { errors: Record<string, { errors: string[]; 'field-errors': Record<string, unknown> }> };
  if (typeof list !== 'object') return;
  const item = (list.errors[index] ??= { errors: [], 'field-errors': {} });
  if (deeper.length) place(item['field-errors'], deeper, message);
  else item.errors.push(message);
}

const validators = new WeakMap<TSchema, ReturnType<typeof Compile>>();

/**
 * Checks a request body against its route schema.
 * @returns the body, typed; an absent body counts as `{}`.
 * @throws CloseError 400 `{"errors": [], "field-errors": {...}}` naming every bad field.
 */
export function validateBody<S extends TSchema>(schema: S, body: unknown): Static<S> {
  const value = body === undefined || body === null ? {} : body;
  let v = validators.get(schema);
  if (!v) {
    v = Compile(schema);
    validators.set(schema, v);
  }
  if (v.Check(value)) return value as Static<S>;
  const byPath = new Map<string, SchemaError[]>();
  const fieldErrors: Record<string, unknown> = {};
  for (const e of v.Errors(value) as unknown as SchemaError[]) {
    if (e.keyword === 'required') {
      for (const p of (e.params.requiredProperties as string[]) ?? []) {
        place(fieldErrors, [...e.instancePath.split('/').filter(Boolean), p], 'This field is required.');
      }
      continue;
    }
    if (e.keyword === 'anyOf') continue;
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  for (const [path, errs] of byPath) {
    const parts = path.split('/').filter(Boolean);
    if (parts.length) place(fieldErrors, parts, describe(errs));
  }
  throw CloseError.validation(fieldErrors);
}

