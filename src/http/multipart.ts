import { HttpError } from "./errors";
import { parseMediaType, parseParameterized } from "./media-type";
import { decodeUtf8, requireUtf8 } from "./utf8";

/**
 * multipart/form-data (RFC 7578 on RFC 2046) as every real client writes it:
 * browsers, curl and Python quote parameter values, Gauche's rfc.http leaves
 * tokens unquoted (`name=who`), quotes the boundary and starts the body with a
 * CRLF; header names come in any case; a preamble and an epilogue are
 * ignored; lines may end in CRLF or a bare LF. Only text fields are read: a
 * file part is refused, and so is a transfer encoding other than
 * binary, 8bit or 7bit, or a charset other than UTF-8.
 */

const malformed = (why: string) => new HttpError(400, `Malformed multipart form: ${why}`);
const IDENTITY_ENCODINGS = new Set(["binary", "8bit", "7bit"]);

/** Bytes as a string of the same length, one character per byte, so offsets agree. */
function binaryString(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

function bytesOf(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The end of the line break at `i` (CRLF or LF), or -1 when there is none. */
function lineBreakEnd(s: string, i: number): number {
  if (s[i] === "\n") return i + 1;
  if (s[i] === "\r" && s[i + 1] === "\n") return i + 2;
  return -1;
}

/**
 * The next delimiter at or after `from`: "--boundary" at the start of a line
 * (or of the body), followed by "--" (the close) or by blanks and a line break.
 * Text that only starts like a delimiter is content.
 */
function findDelimiter(s: string, dash: string, from: number): number {
  for (let at = s.indexOf(dash, from); at >= 0; at = s.indexOf(dash, at + 1)) {
    if (at !== 0 && s[at - 1] !== "\n") continue;
    let after = at + dash.length;
    if (s.startsWith("--", after)) return at;
    while (s[after] === " " || s[after] === "\t") after++;
    if (lineBreakEnd(s, after) >= 0) return at;
  }
  return -1;
}

/** Reads the part's header lines from `i`; returns them by lower-cased name, and where the content starts. */
function readHeaders(s: string, i: number): { headers: Map<string, string>; contentStart: number } {
  const lines: string[] = [];
  for (;;) {
    const lf = s.indexOf("\n", i);
    if (lf < 0) throw malformed("a part's headers are cut off");
    const line = s.slice(i, s[lf - 1] === "\r" && lf - 1 >= i ? lf - 1 : lf);
    i = lf + 1;
    if (line === "") break;
    if ((line[0] === " " || line[0] === "\t") && lines.length > 0) lines[lines.length - 1] += ` ${line.trim()}`;
    else lines.push(line);
  }
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw malformed("a part header without a name");
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, decodeUtf8(bytesOf(line.slice(colon + 1).trim()), "A part header"));
  }
  return { headers, contentStart: i };
}

/** The field a part carries: its name and value, after checking its headers. */
function readField(headers: Map<string, string>, content: string): [name: string, value: string] {
  const disposition = parseParameterized(headers.get("content-disposition") ?? "");
  if (disposition === null) throw malformed("a part without a valid Content-Disposition");
  if (disposition.value !== "form-data") throw malformed(`a part's disposition is ${disposition.value}, not form-data`);
  const name = disposition.params.get("name");
  if (name === undefined) throw malformed("a part without a name");
  if (disposition.params.has("filename") || disposition.params.has("filename*")) throw new HttpError(400, `Field ${name} must not be a file`);
  const encoding = headers.get("content-transfer-encoding")?.toLowerCase();
  if (encoding !== undefined && !IDENTITY_ENCODINGS.has(encoding)) {
    throw new HttpError(415, `Field ${name}: transfer encoding ${encoding} is not supported (binary, 8bit or 7bit)`);
  }
  const type = headers.get("content-type");
  if (type !== undefined) {
    const media = parseMediaType(type);
    if (media === null) throw malformed(`field ${name} has a malformed Content-Type`);
    requireUtf8(media.params.get("charset"), `Field ${name}`);
  }
  return [name, decodeUtf8(bytesOf(content), `Field ${name}`)];
}

/** The fields of a multipart/form-data body, each name's first value. */
export function parseMultipart(body: Uint8Array, boundary: string): Map<string, string> {
  if (boundary.length < 1 || boundary.length > 70) throw malformed("the boundary must be 1 to 70 characters");
  const s = binaryString(body);
  const dash = `--${boundary}`;
  const fields = new Map<string, string>();
  let delimiter = findDelimiter(s, dash, 0);
  if (delimiter < 0) throw malformed("the boundary does not occur in the body");
  for (;;) {
    let i = delimiter + dash.length;
    if (s.startsWith("--", i)) return fields;
    while (s[i] === " " || s[i] === "\t") i++;
    i = lineBreakEnd(s, i);
    const { headers, contentStart } = readHeaders(s, i);
    const next = findDelimiter(s, dash, contentStart);
    if (next < 0) throw malformed("no closing boundary (the body is cut off)");
    // The line break before a delimiter belongs to the delimiter, not to the content.
    let contentEnd = next - 1;
    if (s[contentEnd - 1] === "\r") contentEnd--;
    const [name, value] = readField(headers, s.slice(contentStart, Math.max(contentStart, contentEnd)));
    if (!fields.has(name)) fields.set(name, value);
    delimiter = next;
  }
}
