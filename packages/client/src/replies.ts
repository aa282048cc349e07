/**
 * Reads a room's HTTP replies (apilogin, comet, the poster) in either of the
 * formats it speaks: JSON, or S-expressions as Gauche's `write` prints them.
 * Anything that is not the expected shape is a ConnectionError: the client
 * treats it as a failed request.
 */
import { ConnectionError } from "./errors.js";
import { alistToObject, readDatum, type Datum } from "./sexpr.js";
import type { ApiLoginReply, CometJsonReply, WireEntry } from "./wire.js";

/** `json`: comet with s=0 and apilogin with s=0; `sexpr`: s=1, what the Gauche client reads. */
export type ReplyFormat = "json" | "sexpr";

type Fields = Record<string, unknown>;

function fieldsOf(body: string, format: ReplyFormat, what: string): Fields {
  try {
    if (format === "sexpr") return alistToObject(readDatum(body));
    const value: unknown = JSON.parse(body);
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TypeError("not an object");
    return value as Fields;
  } catch (error) {
    throw new ConnectionError(`${what}: unreadable reply (${(error as Error).message}): ${body.slice(0, 120)}`);
  }
}

function integer(fields: Fields, key: string, what: string): number {
  const value = fields[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new ConnectionError(`${what}: ${key} is not an integer`);
  return value;
}

function string(fields: Fields, key: string, what: string): string {
  const value = fields[key];
  if (typeof value !== "string") throw new ConnectionError(`${what}: ${key} is not a string`);
  return value;
}

function isWireEntry(value: unknown): value is WireEntry {
  if (!Array.isArray(value) || value.length !== 3) return false;
  const [nick, time, text] = value as [unknown, unknown, unknown];
  return (
    typeof nick === "string" &&
    typeof text === "string" &&
    Array.isArray(time) &&
    time.length === 2 &&
    time.every((n) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0)
  );
}

/** The entries of a reply, each [nick, [sec, usec], text]; an entry of any other shape fails the whole reply. */
export function wireEntries(value: unknown, what: string): WireEntry[] {
  if (!Array.isArray(value)) throw new ConnectionError(`${what}: content is not a list`);
  return value.map((item) => {
    if (!isWireEntry(item)) throw new ConnectionError(`${what}: not an entry: ${JSON.stringify(item).slice(0, 120)}`);
    const [nick, [sec, usec], text] = item;
    return [nick, [sec, usec], text];
  });
}

export function readLogin(body: string, format: ReplyFormat): ApiLoginReply {
  const what = "apilogin";
  const fields = fieldsOf(body, format, what);
  return {
    "post-uri": string(fields, "post-uri", what),
    "comet-uri": string(fields, "comet-uri", what),
    "icon-uri": string(fields, "icon-uri", what),
    "room-name": string(fields, "room-name", what),
    cid: integer(fields, "cid", what),
    pos: integer(fields, "pos", what),
  };
}

export function readCometReply(body: string, format: ReplyFormat): CometJsonReply {
  const what = "comet";
  const fields = fieldsOf(body, format, what);
  return {
    pos: integer(fields, "pos", what),
    nc: integer(fields, "nc", what),
    ver: typeof fields["ver"] === "string" ? fields["ver"] : String(fields["ver"] ?? ""),
    cid: integer(fields, "cid", what),
    content: wireEntries(fields["content"], what),
  };
}

/** What the poster's 200 says: stored or not, and the position when the server tells it. */
export interface PostReply {
  stored: boolean;
  /** null from an original Gauche server, whose poster answers an empty page. */
  pos: number | null;
}

/**
 * The poster's acknowledgement, by its content type: JSON `{"stored","pos"}`,
 * the alist `((stored . 1) (pos . n))`, or the original's empty HTML page,
 * which says only that the request went through.
 */
export function readPostReply(body: string, contentType: string): PostReply {
  const what = "post";
  let format: ReplyFormat;
  if (contentType.includes("application/json")) format = "json";
  else if (contentType.includes("application/x-sexpr")) format = "sexpr";
  else return { stored: true, pos: null };
  const fields = fieldsOf(body, format, what);
  const stored = fields["stored"] as Datum | undefined;
  return { stored: stored === true || stored === 1, pos: integer(fields, "pos", what) };
}
