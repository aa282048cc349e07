/**
 * Header values with parameters, as MIME (RFC 2045, 2183) and HTTP write
 * them: `value; name=token; other="quoted \"string\""`. Parameter names are
 * case-insensitive; values may be tokens or quoted strings, either way.
 */
export interface ParameterizedValue {
  /** The value before the first ";", lower-cased. */
  value: string;
  /** Parameters by lower-cased name; the first of a repeated name wins. */
  params: Map<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const SPACE = /^[ \t]*/;

/** Parses a header value with parameters; null when it is malformed. */
export function parseParameterized(header: string): ParameterizedValue | null {
  let rest = header.trim();
  const semicolon = rest.indexOf(";");
  const value = (semicolon < 0 ? rest : rest.slice(0, semicolon)).trim().toLowerCase();
  if (value === "") return null;
  rest = semicolon < 0 ? "" : rest.slice(semicolon);
  const params = new Map<string, string>();
  while (rest !== "") {
    rest = rest.replace(SPACE, "");
    if (rest === "") break;
    if (rest[0] !== ";") return null;
    rest = rest.slice(1).replace(SPACE, "");
    // An empty parameter (a trailing or doubled ";") is tolerated, as browsers and Gauche do.
    if (rest === "" || rest[0] === ";") continue;
    const name = TOKEN.exec(rest)?.[0];
    if (name === undefined) return null;
    rest = rest.slice(name.length).replace(SPACE, "");
    if (rest[0] !== "=") return null;
    rest = rest.slice(1).replace(SPACE, "");
    let parameter: string;
    if (rest[0] === '"') {
      let i = 1;
      parameter = "";
      for (;;) {
        if (i >= rest.length) return null;
        const c = rest[i++]!;
        if (c === '"') break;
        parameter += c === "\\" && i < rest.length ? rest[i++]! : c;
      }
      rest = rest.slice(i);
    } else {
      const token = TOKEN.exec(rest)?.[0];
      if (token === undefined) return null;
      parameter = token;
      rest = rest.slice(token.length);
    }
    const key = name.toLowerCase();
    if (!params.has(key)) params.set(key, parameter);
  }
  return { value, params };
}

/** A Content-Type: `type/subtype` lower-cased, and its parameters; null when malformed. */
export function parseMediaType(header: string): { type: string; params: Map<string, string> } | null {
  const parsed = parseParameterized(header);
  if (parsed === null || !/^[^/\s]+\/[^/\s]+$/.test(parsed.value)) return null;
  return { type: parsed.value, params: parsed.params };
}
