/**
 * A reader of Gauche's datum syntax, as Scheme's `read` takes what Gauche's
 * `write` prints: the comet replies and status files of a Chaton server, and
 * the lines of an original room's data files. Proper lists read as arrays,
 * `(a . b)` with a tail that is not a list as a `Pair`, `#t`/`#f` as booleans.
 *
 * Strings take every escape Gauche reads: \\ \" \n \t \r \f \0 \a \b \v,
 * `\xHH;` (any number of hex digits up to the `;`), the legacy `\xHH` without
 * `;`, `\uHHHH`, `\UHHHHHHHH`, and a backslash before a line end, which joins lines.
 */

export class Sym {
  constructor(readonly name: string) {}
}

export class Pair {
  constructor(
    readonly car: Datum,
    readonly cdr: Datum,
  ) {}
}

export type Datum = number | string | boolean | Sym | Pair | Datum[];

export class ReadError extends SyntaxError {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at offset ${offset}`);
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  '"': '"',
  n: "\n",
  t: "\t",
  r: "\r",
  f: "\f",
  "0": "\0",
  a: "\x07",
  b: "\b",
  v: "\v",
};

const DELIMITER = /[\s()";]/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:e[+-]?\d+)?$/i;
const HEX = /^[0-9A-Fa-f]+$/;

class Reader {
  i = 0;
  constructor(readonly input: string) {}

  fail(reason: string): never {
    throw new ReadError(reason, this.i);
  }

  skipSpace(): void {
    const { input } = this;
    while (this.i < input.length) {
      const c = input[this.i]!;
      if (c === ";") {
        while (this.i < input.length && input[this.i] !== "\n") this.i++;
      } else if (/\s/.test(c)) {
        this.i++;
      } else {
        return;
      }
    }
  }

  datum(): Datum {
    this.skipSpace();
    if (this.i >= this.input.length) this.fail("unexpected end of input");
    const c = this.input[this.i];
    if (c === "(") return this.list();
    if (c === '"') return this.string();
    if (c === ")") this.fail("unexpected )");
    return this.atom();
  }

  private list(): Datum[] | Pair {
    this.i++;
    const items: Datum[] = [];
    for (;;) {
      this.skipSpace();
      if (this.i >= this.input.length) this.fail("unterminated list");
      const c = this.input[this.i];
      if (c === ")") {
        this.i++;
        return items;
      }
      if (c === "." && DELIMITER.test(this.input[this.i + 1] ?? " ")) {
        if (items.length === 0) this.fail("nothing before the dot");
        this.i++;
        const tail = this.datum();
        this.skipSpace();
        if (this.input[this.i] !== ")") this.fail("more than one datum after the dot");
        this.i++;
        // (a b . (c d)) is the list (a b c d), as Scheme reads it.
        if (Array.isArray(tail)) return [...items, ...tail];
        return items.reduceRight<Datum>((cdr, car) => new Pair(car, cdr), tail) as Pair;
      }
      items.push(this.datum());
    }
  }

  private string(): string {
    const { input } = this;
    this.i++;
    let out = "";
    for (;;) {
      const close = input.indexOf('"', this.i);
      const backslash = input.indexOf("\\", this.i);
      if (close < 0) this.fail("unterminated string");
      if (backslash < 0 || close < backslash) {
        out += input.slice(this.i, close);
        this.i = close + 1;
        return out;
      }
      out += input.slice(this.i, backslash);
      this.i = backslash + 1;
      out += this.escape();
    }
  }

  private escape(): string {
    const { input } = this;
    const e = input[this.i++];
    if (e === undefined) this.fail("unterminated string");
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) return simple;
    if (e === "x") {
      const semicolon = input.indexOf(";", this.i);
      const digits = semicolon < 0 ? "" : input.slice(this.i, semicolon);
      if (digits.length > 0 && digits.length <= 8 && HEX.test(digits)) {
        this.i = semicolon + 1;
        return this.codePoint(digits);
      }
      // The legacy form, written by Gauche before 0.8.14: exactly two hex digits, no ';'.
      const legacy = input.slice(this.i, this.i + 2);
      if (legacy.length === 2 && HEX.test(legacy)) {
        this.i += 2;
        return this.codePoint(legacy);
      }
      this.fail("bad \\x escape");
    }
    if (e === "u" || e === "U") {
      const length = e === "u" ? 4 : 8;
      const digits = input.slice(this.i, this.i + length);
      if (digits.length !== length || !HEX.test(digits)) this.fail(`bad \\${e} escape`);
      this.i += length;
      return this.codePoint(digits);
    }
    if (e === "\n" || e === "\r" || e === " " || e === "\t") {
      // A backslash, optional blanks, a line end and the next line's leading blanks read as nothing.
      this.i--;
      while (input[this.i] === " " || input[this.i] === "\t") this.i++;
      if (input[this.i] === "\r") this.i++;
      if (input[this.i] !== "\n") this.fail("unknown escape \\ ");
      this.i++;
      while (input[this.i] === " " || input[this.i] === "\t") this.i++;
      return "";
    }
    return this.fail(`unknown escape \\${e}`);
  }

  private codePoint(hex: string): string {
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) this.fail("character code out of range");
    return String.fromCodePoint(code);
  }

  private atom(): Datum {
    const start = this.i;
    while (this.i < this.input.length && !DELIMITER.test(this.input[this.i]!)) this.i++;
    const token = this.input.slice(start, this.i);
    if (token === "") this.fail("expected a datum");
    if (token === "#t" || token === "#true") return true;
    if (token === "#f" || token === "#false") return false;
    if (INTEGER.test(token) || DECIMAL.test(token)) return Number(token);
    if (token.startsWith("#")) this.fail(`unsupported syntax ${token}`);
    return new Sym(token);
  }
}

/** Reads exactly one datum from `text` (surrounding white space and comments allowed). */
export function readDatum(text: string): Datum {
  const reader = new Reader(text);
  const value = reader.datum();
  reader.skipSpace();
  if (reader.i !== text.length) reader.fail("text after the datum");
  return value;
}

/** Reads every datum of `text`, in order. */
export function readData(text: string): Datum[] {
  const reader = new Reader(text);
  const values: Datum[] = [];
  for (;;) {
    reader.skipSpace();
    if (reader.i >= text.length) return values;
    values.push(reader.datum());
  }
}

/**
 * An association list as an object: `((pos . 1) (content "a" "b"))` becomes
 * `{ pos: 1, content: ["a", "b"] }` (a key whose value is a list keeps the list).
 */
export function alistToObject(value: Datum): Record<string, Datum> {
  if (!Array.isArray(value)) throw new TypeError("not an association list");
  const out: Record<string, Datum> = {};
  for (const item of value) {
    if (item instanceof Pair && item.car instanceof Sym) out[item.car.name] = item.cdr;
    else if (Array.isArray(item) && item[0] instanceof Sym) out[item[0].name] = item.slice(1);
    else throw new TypeError("not an association list");
  }
  return out;
}
