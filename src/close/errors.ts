/**
 * The one error type of Tasklane and Close's error body shapes (decisions D26-D28;
 * reference §6.2). Every 4xx the API sends is a `CloseError`; the server's error
 * handler turns it into `status` + `body` and nothing else.
 *
 * Shapes:
 * - request-level fault: `{"error": "<text>"}`
 * - validation: `{"errors": [<text>...], "field-errors": {"<field>": "<text>"}}`
 * - errors only: `{"errors": ["<text>"]}` (bulk update cap, reference §6.2 item 3)
 */

/** Body of a Close error response. */
export type CloseErrorBody =
  | { error: string }
  | { errors: string[]; 'field-errors': Record<string, unknown> }
  | { errors: string[] }
  /** 429 (D31; see server/ratelimit.ts for why `error` is an object). */
  | { error: { message: string } & Record<string, unknown>; [key: string]: unknown };

/** Werkzeug's 401 description, as Close sends it (two spaces after "requested.", reference §2.3). */
export const UNAUTHORIZED_TEXT =
  'The server could not verify that you are authorized to access the URL requested.  You either supplied the wrong credentials (e.g. a bad password), or your browser doesn\'t understand how to supply the credentials required.';

/** Werkzeug's 404 description for an unknown URL (reference §6.2). */
export const NOT_FOUND_URL_TEXT =
  'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.';

/** Werkzeug's 405 description. */
export const METHOD_NOT_ALLOWED_TEXT = 'The method is not allowed for the requested URL.';

/** An error the API answers with a 4xx status and a Close-shaped body. */
export class CloseError extends Error {
  readonly status: number;
  readonly body: CloseErrorBody;

  constructor(status: number, body: CloseErrorBody) {
    super('error' in body && typeof body.error === 'string' ? body.error : JSON.stringify(body));
    this.status = status;
    this.body = body;
  }

  /** `{"error": message}` with the given status (400 by default). */
  static request(message: string, status = 400): CloseError {
    return new CloseError(status, { error: message });
  }

  /** 400 `{"errors": errors, "field-errors": fieldErrors}` (D26). */
  static validation(fieldErrors: Record<string, unknown>, errors: string[] = []): CloseError {
    return new CloseError(400, { errors, 'field-errors': fieldErrors });
  }

  /** 400 for one bad field: `{"errors": [], "field-errors": {field: message}}`. */
  static field(field: string, message: string): CloseError {
    return CloseError.validation({ [field]: message });
  }

  /** `{"errors": errors}` with the given status (400 by default). */
  static errorsOnly(errors: string[], status = 400): CloseError {
    return new CloseError(status, { errors });
  }

  /** 404 `{"error": "Empty query: <Model> matching query does not exist."}` (D26). */
  static notFound(model: string): CloseError {
    return new CloseError(404, { error: `Empty query: ${model} matching query does not exist.` });
  }

  /** 401 with Werkzeug's text (D27). */
  static unauthorized(): CloseError {
    return new CloseError(401, { error: UNAUTHORIZED_TEXT });
  }
}

/** Field error texts used across resources, so the same fault reads the same everywhere. */
export const FIELD_TEXT = {
  required: 'This field is required.',
  doesNotExist: 'Object does not exist.',
  notString: 'Not a valid string.',
  notBoolean: 'Not a valid boolean.',
  notInteger: 'Not a valid integer.',
  notList: 'Not a valid list.',
  invalidDate: 'Not a valid date or datetime.',
} as const;
