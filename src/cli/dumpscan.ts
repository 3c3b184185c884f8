/**
 * Cutting a Close task list dump into its records as the text arrives, so each record
 * is read by V8's `JSON.parse` (issue 12: a streaming tokenizer that makes a JS value
 * of every token took a minute for 1,000,000 tasks). Only the structure around the
 * records is read here: the root array, or the root object with its `data` array
 * (what `GET /task/` answers); every other value of the root object is checked by
 * `JSON.parse` too, so the file as a whole must be valid JSON.
 *
 * The scanner keeps its place inside a value across pushes: a record split between
 * chunks costs one more look at the part already scanned, not a rescan.
 */

/** Invalid JSON, or JSON that is not a task list, found at `atByte` (0-based) of the file. */
export class DumpSyntaxError extends Error {
  constructor(
    message: string,
    readonly atByte: number,
    /** True when the JSON is (so far) valid but not a list of tasks. */
    readonly notTaskList = false,
  ) {
    super(message);
  }
}

/** One record's text, its position in the list (0-based) and its offset in the file. */
export interface RecordText {
  index: number;
  text: string;
  /** Byte offset of the record's first character in the file. */
  atByte: number;
}

type State =
  | 'start'
  | 'objectKey' // after `{`: a key or `}`
  | 'nextKey' // after `,` in the root object: a key
  | 'colon'
  | 'value' // the value of a root object key other than data
  | 'dataValue' // the value of the data key: must be an array
  | 'objectNext' // after a root object value: `,` or `}`
  | 'firstElement' // after `[`: an element or `]`
  | 'element' // after `,` in the array: an element
  | 'arrayNext' // after an element: `,` or `]`
  | 'done';

const isBlank = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * A resumable scanner of one JSON value: where it ends, given its text so far. Tracks
 * bracket depth outside strings and jumps from quote to quote inside them.
 */
class ValueEnd {
  depth = 0;
  inString = false;
  /** Where to go on scanning, relative to the value's start. */
  offset = 0;

  reset(): void {
    this.depth = 0;
    this.inString = false;
    this.offset = 0;
  }

  /**
   * The end (exclusive) of the value that starts at `start` of `text`, or -1 when the
   * text ends first. A bare scalar (number, `true`, ...) ends at a delimiter; at the
   * end of the file (`eof`) it ends with the text.
   */
  find(text: string, start: number, eof: boolean): number {
    const first = text.charCodeAt(start);
    if (first !== 123 && first !== 91 && first !== 34) {
      for (let i = start + 1; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 44 || c === 93 || c === 125 || isBlank(c)) return i;
      }
      return eof ? text.length : -1;
    }
    let i = start + this.offset;
    const n = text.length;
    while (i < n) {
      if (this.inString) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          i = n;
          break;
        }
        let slashes = 0;
        while (text.charCodeAt(q - 1 - slashes) === 92) slashes++;
        i = q + 1;
        if (slashes % 2 === 0) {
          this.inString = false;
          if (this.depth === 0) return i;
        }
        continue;
      }
      const c = text.charCodeAt(i++);
      if (c === 34) this.inString = true;
      else if (c === 123 || c === 91) this.depth++;
      else if (c === 125 || c === 93) {
        if (--this.depth === 0) return i;
      }
    }
    // Keep the place. The next text starts with this value, so an escape split by the
    // chunk boundary is still seen whole (the backslashes before a quote are counted).
    this.offset = i - start;
    return -1;
  }
}

/**
 * Cuts dump text into records. `push` each piece of text in order, then `end`; each
 * returns the records completed by that piece.
 */
export class DumpScanner {
  private state: State = 'start';
  private rootIsArray = false;
  private key = '';
  private sawData = false;
  private index = 0;
  /** Text not consumed yet (a value in progress, or blanks). */
  private text = '';
  /** Bytes of the file before `text`. */
  private textByte = 0;
  private readonly value = new ValueEnd();

  /** Bytes of the file before position `pos` of the current text. */
  private byteAt(pos: number): number {
    return this.textByte + Buffer.byteLength(this.text.slice(0, pos));
  }

  private fail(message: string, pos: number, notTaskList = false): never {
    throw new DumpSyntaxError(message, this.byteAt(pos), notTaskList);
  }

  /** The records completed by `piece`. @throws DumpSyntaxError */
  push(piece: string): RecordText[] {
    this.text = this.text.length ? this.text + piece : piece;
    return this.scan(false);
  }

  /** The last records, once the text has all been pushed. @throws DumpSyntaxError, for a file that stops short too. */
  end(piece = ''): RecordText[] {
    this.text += piece;
    const out = this.scan(true);
    if (this.state !== 'done') this.fail('the file ends before the JSON is complete', this.text.length);
    if (!this.rootIsArray && !this.sawData) this.fail('the object has no "data" key', this.text.length, true);
    return out;
  }

  /** The value of a record. @throws DumpSyntaxError naming where it breaks. */
  parse(record: RecordText): unknown {
    try {
      return JSON.parse(record.text);
    } catch (e) {
      const message = (e as Error).message;
      const at = /at position (\d+)/.exec(message);
      const within = at ? Buffer.byteLength(record.text.slice(0, Number(at[1]))) : 0;
      throw new DumpSyntaxError(`record ${record.index}: ${message}`, record.atByte + within);
    }
  }

  private scan(eof: boolean): RecordText[] {
    const out: RecordText[] = [];
    const text = this.text;
    const n = text.length;
    let i = 0;
    if (this.state === 'start' && text.charCodeAt(0) === 0xfeff) i = 1;
    scan: while (i < n) {
      const c = text.charCodeAt(i);
      if (isBlank(c)) {
        i++;
        continue;
      }
      switch (this.state) {
        case 'start':
          if (c === 91) this.rootIsArray = true;
          else if (c !== 123) this.fail('not a task list', i, true);
          this.state = this.rootIsArray ? 'firstElement' : 'objectKey';
          i++;
          break;
        case 'objectKey':
        case 'nextKey': {
          if (c === 125 && this.state === 'objectKey') {
            this.state = 'done';
            i++;
            break;
          }
          if (c !== 34) this.fail(this.state === 'objectKey' ? `expected a key or '}'` : 'expected a key', i);
          const end = this.value.find(text, i, eof);
          if (end < 0) break scan;
          this.value.reset();
          try {
            this.key = JSON.parse(text.slice(i, end));
          } catch (e) {
            this.fail(`a key is not valid JSON: ${(e as Error).message}`, i);
          }
          this.state = 'colon';
          i = end;
          break;
        }
        case 'colon':
          if (c !== 58) this.fail(`expected ':'`, i);
          // A second "data" array: JSON.parse would keep the last, but the first is read already.
          if (this.key === 'data' && this.sawData) this.fail('the object has more than one "data" key', i, true);
          this.state = this.key === 'data' ? 'dataValue' : 'value';
          i++;
          break;
        case 'dataValue':
          if (c !== 91) this.fail('"data" is not a list of tasks', i, true);
          this.sawData = true;
          this.state = 'firstElement';
          i++;
          break;
        case 'value': {
          if (this.value.offset === 0 && !startsValue(c)) this.fail('expected a value', i);
          const end = this.value.find(text, i, eof);
          if (end < 0) break scan;
          this.value.reset();
          try {
            JSON.parse(text.slice(i, end));
          } catch (e) {
            this.fail(`the value of ${JSON.stringify(this.key)} is not valid JSON: ${(e as Error).message}`, i);
          }
          this.state = 'objectNext';
          i = end;
          break;
        }
        case 'objectNext':
          if (c === 44) this.state = 'nextKey';
          else if (c === 125) this.state = 'done';
          else this.fail(`expected ',' or '}'`, i);
          i++;
          break;
        case 'firstElement':
        case 'element': {
          if (c === 93 && this.state === 'firstElement' && this.value.offset === 0) {
            this.state = this.rootIsArray ? 'done' : 'objectNext';
            i++;
            break;
          }
          if (this.value.offset === 0 && !startsValue(c)) this.fail('expected a task', i);
          const end = this.value.find(text, i, eof);
          if (end < 0) break scan;
          this.value.reset();
          out.push({ index: this.index++, text: text.slice(i, end), atByte: -1 - i });
          this.state = 'arrayNext';
          i = end;
          break;
        }
        case 'arrayNext':
          if (c === 44) this.state = 'element';
          else if (c === 93) this.state = this.rootIsArray ? 'done' : 'objectNext';
          else this.fail(`expected ',' or ']'`, i);
          i++;
          break;
        case 'done':
          this.fail('unexpected text after the end of the JSON', i);
      }
    }
    // Byte offsets of the records, counted once over the text they came from.
    let pos = 0;
    let byte = this.textByte;
    for (const r of out) {
      const start = -1 - r.atByte;
      byte += Buffer.byteLength(text.slice(pos, start));
      pos = start;
      r.atByte = byte;
    }
    this.textByte = byte + Buffer.byteLength(text.slice(pos, i));
    this.text = text.slice(i);
    return out;
  }
}

/** Whether character code `c` can begin a JSON value. */
function startsValue(c: number): boolean {
  return c === 123 || c === 91 || c === 34 || c === 45 || (c >= 48 && c <= 57) || c === 116 || c === 102 || c === 110;
}
