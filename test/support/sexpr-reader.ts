/**
 * A reader for the S-expressions the server writes, as Scheme's `read` would
 * take them: integers, strings with \" \\ \n \t \r and \xHH; escapes, symbols,
 * proper lists and dotted pairs. Used by tests to check replies by reading
 * them back.
 */

export class Symbol_ {
  constructor(readonly name: string) {}
}
export class DottedPair {
  constructor(
    readonly car: Value,
    readonly cdr: Value,
  ) {}
}
export type Value = number | string | Symbol_ | DottedPair | Value[];

export function readSexpr(input: string): Value {
  let i = 0;
  const skipSpace = () => {
    while (i < input.length && /\s/.test(input[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at ${i} in ${JSON.stringify(input.slice(Math.max(0, i - 20), i + 20))}`);
  };
  const readString = (): string => {
    i++;
    let out = "";
    for (;;) {
      if (i >= input.length) fail("unterminated string");
      const c = input[i++]!;
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = input[i++];
      if (e === "n") out += "\n";
      else if (e === "t") out += "\t";
      else if (e === "r") out += "\r";
      else if (e === '"' || e === "\\") out += e;
      else if (e === "x") {
        const end = input.indexOf(";", i);
        if (end < 0) fail("bad \\x escape");
        out += String.fromCodePoint(parseInt(input.slice(i, end), 16));
        i = end + 1;
      } else fail(`unknown escape \\${e}`);
    }
  };
  const readAtom = (): number | Symbol_ => {
    const start = i;
    while (i < input.length && !/[\s()"]/.test(input[i]!)) i++;
    const token = input.slice(start, i);
    if (token === "") fail("expected a datum");
    return /^-?\d+$/.test(token) ? Number(token) : new Symbol_(token);
  };
  const readList = (): Value[] | DottedPair => {
    i++;
    const items: Value[] = [];
    for (;;) {
      skipSpace();
      if (i >= input.length) fail("unterminated list");
      if (input[i] === ")") {
        i++;
        return items;
      }
      if (input[i] === "." && /[\s]/.test(input[i + 1] ?? "")) {
        i++;
        const tail = readDatum();
        skipSpace();
        if (input[i] !== ")" || items.length !== 1) fail("bad dotted pair");
        i++;
        // (a . (b c)) is the list (a b c), as Scheme reads it.
        return Array.isArray(tail) ? [items[0]!, ...tail] : new DottedPair(items[0]!, tail);
      }
      items.push(readDatum());
    }
  };
  const readDatum = (): Value => {
    skipSpace();
    if (i >= input.length) fail("unexpected end");
    const c = input[i];
    if (c === "(") return readList();
    if (c === '"') return readString();
    if (c === ")") fail("unexpected )");
    return readAtom();
  };
  const value = readDatum();
  skipSpace();
  if (i !== input.length) fail("trailing text");
  return value;
}

/**
 * An association list as a JS object: `((pos . 1) (content "a" ...))` becomes
 * `{ pos: 1, content: ["a", ...] }` (a key whose value is a list keeps the list).
 */
export function alistToObject(value: Value): Record<string, Value> {
  if (!Array.isArray(value)) throw new TypeError("not a list");
  const out: Record<string, Value> = {};
  for (const item of value) {
    if (item instanceof DottedPair && item.car instanceof Symbol_) out[item.car.name] = item.cdr;
    else if (Array.isArray(item) && item[0] instanceof Symbol_) out[item[0].name] = item.slice(1);
    else throw new TypeError("not an association list");
  }
  return out;
}
