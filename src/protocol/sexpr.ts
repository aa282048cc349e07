/**
 * The one S-expression writer. Values print as Gauche's `write` prints them;
 * nothing else in the project builds S-expressions from user text.
 */

export class Sym {
  constructor(readonly name: string) {}
}

export class Pair {
  constructor(
    readonly car: Sexpr,
    readonly cdr: Sexpr,
  ) {}
}

/** A list whose elements were already written by this module (`items` is their text). */
export class WrittenList {
  constructor(readonly items: string) {}
}

export type Sexpr = number | string | Sym | Pair | WrittenList | readonly Sexpr[];

export const sym = (name: string): Sym => new Sym(name);
export const cons = (car: Sexpr, cdr: Sexpr): Pair => new Pair(car, cdr);

/** An association list from [key, value] pairs, keys as symbols. */
export function alist(entries: readonly (readonly [string, Sexpr])[]): Pair[] {
  return entries.map(([key, value]) => cons(sym(key), value));
}

const STRING_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\t": "\\t",
  "\r": "\\r",
  "\f": "\\f",
  "\0": "\\0",
};

/**
 * What Gauche's `write` escapes in a string: the characters above, other
 * ASCII control characters and DEL as `\xHH;`, and non-ASCII characters of
 * the categories Cc, Cf, Cs, Co and Cn as `\xHHHH;`. Everything else is
 * written as it is, so an original room's files are written back byte for byte.
 */
const ESCAPED = /["\\\u0000-\u001f\u007f]|[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]/gu;

export function writeString(s: string): string {
  const body = s.replace(ESCAPED, (c) => {
    const named = STRING_ESCAPES[c];
    if (named !== undefined) return named;
    const code = c.codePointAt(0)!;
    return `\\x${code.toString(16).padStart(code < 0x80 ? 2 : 4, "0")};`;
  });
  return `"${body}"`;
}

export function writeSexpr(value: Sexpr): string {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`);
    return String(value);
  }
  if (typeof value === "string") return writeString(value);
  if (value instanceof Sym) return value.name;
  if (value instanceof WrittenList) return `(${value.items})`;
  if (value instanceof Pair) {
    const head = writeSexpr(value.car);
    const tail = value.cdr;
    // A dotted pair whose tail is a list prints as a list.
    if (tail instanceof WrittenList) return tail.items === "" ? `(${head})` : `(${head} ${tail.items})`;
    if (Array.isArray(tail)) return tail.length === 0 ? `(${head})` : `(${head} ${writeItems(tail)})`;
    return `(${head} . ${writeSexpr(tail)})`;
  }
  return `(${writeItems(value as readonly Sexpr[])})`;
}

/** The elements of a list, written and separated by spaces, without parentheses. */
export function writeItems(items: readonly Sexpr[]): string {
  return items.map(writeSexpr).join(" ");
}
