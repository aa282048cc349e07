/**
 * A Chaton API client that is the Gauche `chaton.client` library on the wire
 * (docs/protocol.md, sections 2 to 4): `chaton-connect` logs in with `apilogin`,
 * the observer loops on the comet endpoint with `t`, `c`, `p` and `s=1`, and
 * `chaton-talk` posts, each request byte for byte as Gauche's rfc.http writes
 * it (raw-http.ts, gauche-http.ts), every reply read as Scheme's `read` would.
 * `postAsBrowser` and `observeJson` are the browser's way, for comparison.
 */
import { alistToObject, readDatum, type Datum } from "../../packages/client/src/sexpr";
import { gaucheBoundary, gaucheMultipart, gaucheRequestHead } from "./gauche-http";
import { rawRequest, type RawResponse } from "./raw-http";

export interface ApiSession {
  postUri: string;
  cometUri: string;
  iconUri: string;
  roomName: string;
  cid: number;
  pos: number;
}

export interface ChatEntry {
  nick: string;
  sec: number;
  usec: number;
  text: string;
}

export interface CometReply {
  pos: number;
  nc: number;
  ver: string;
  cid: number;
  content: ChatEntry[];
}

export interface PostReply {
  status: number;
  contentType: string;
  body: string;
}

export interface RequestOptions {
  /** Gives up after this long (default: DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Aborts the request early, e.g. to drop a held comet request. */
  signal?: AbortSignal;
  /** Sends from this local address (tests act as many people by binding to 127.0.0.x). */
  localAddress?: string;
}

/** Long enough for a comet request held the default 25 s, short enough to fail a test in time. */
export const DEFAULT_TIMEOUT_MS = 40_000;

export class ChatonHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

function requestSignal(options: RequestOptions = {}): AbortSignal {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
}

async function readOk(res: Response, what: string): Promise<string> {
  const body = await res.text();
  if (res.status !== 200) throw new ChatonHttpError(res.status, body, what);
  return body;
}

function integer(value: Datum | undefined, key: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new TypeError(`${key} is not an integer: ${JSON.stringify(value)}`);
  }
  return value;
}

function string(value: Datum | undefined, key: string): string {
  if (typeof value !== "string") throw new TypeError(`${key} is not a string: ${JSON.stringify(value)}`);
  return value;
}

/** One content entry as the server writes it: ("nick" (sec usec) "text"). */
function toEntry(value: Datum): ChatEntry {
  if (!Array.isArray(value) || value.length !== 3) throw new TypeError(`not an entry: ${JSON.stringify(value)}`);
  const [nick, stamp, text] = value as [Datum, Datum, Datum];
  if (!Array.isArray(stamp) || stamp.length !== 2) throw new TypeError(`not a timestamp: ${JSON.stringify(stamp)}`);
  return {
    nick: string(nick, "nick"),
    sec: integer(stamp[0], "sec"),
    usec: integer(stamp[1], "usec"),
    text: string(text, "text"),
  };
}

/** The room URL with a trailing slash, so relative paths resolve below it. */
function roomBase(baseRoomUrl: string): string {
  return baseRoomUrl.endsWith("/") ? baseRoomUrl : `${baseRoomUrl}/`;
}

/** A request as rfc.http sends it: a GET, or a POST of `form` as multipart. */
function gaucheRequest(url: string, form: readonly (readonly [string, string])[] | null, options?: RequestOptions): Promise<RawResponse> {
  const target = new URL(url);
  const path = `${target.pathname}${target.search}`;
  const local = { signal: requestSignal(options), localAddress: options?.localAddress };
  if (form === null) return rawRequest(target.origin, gaucheRequestHead("GET", path, target.host), null, local);
  const boundary = gaucheBoundary();
  const body = gaucheMultipart(form, boundary);
  const head = gaucheRequestHead("POST", path, target.host, { boundary, length: body.byteLength });
  return rawRequest(target.origin, head, body, local);
}

function readRawOk(res: RawResponse, what: string): string {
  const body = res.body.toString("utf8");
  if (res.status !== 200) throw new ChatonHttpError(res.status, body, what);
  return body;
}

/** chaton-connect: POST `<room>/apilogin` with the one field `who` (no `s`), the reply read as an S-expression. */
export async function apilogin(baseRoomUrl: string, who: string, options?: RequestOptions): Promise<ApiSession> {
  const res = await gaucheRequest(new URL("apilogin", roomBase(baseRoomUrl)).href, [["who", who]], options);
  const reply = alistToObject(readDatum(readRawOk(res, "apilogin")));
  return {
    postUri: string(reply["post-uri"], "post-uri"),
    cometUri: string(reply["comet-uri"], "comet-uri"),
    iconUri: string(reply["icon-uri"], "icon-uri"),
    roomName: string(reply["room-name"], "room-name"),
    cid: integer(reply["cid"], "cid"),
    pos: integer(reply["pos"], "pos"),
  };
}

/** The URL of a comet request, as the Gauche client builds it: t (Unix seconds), c, p, s. */
export function cometUrl(cometUri: string, cid: number | null, pos: number, s: "0" | "1"): string {
  const url = new URL(cometUri);
  url.searchParams.set("t", String(Math.floor(Date.now() / 1000)));
  if (cid !== null) url.searchParams.set("c", String(cid));
  url.searchParams.set("p", String(pos));
  url.searchParams.set("s", s);
  return url.href;
}

/** GET `cometUri?t=<now>&c=<cid>&p=<pos>&s=1`: held until news or a ping; read as an S-expression. */
export async function observe(cometUri: string, cid: number, pos: number, options?: RequestOptions): Promise<CometReply> {
  const res = await gaucheRequest(cometUrl(cometUri, cid, pos, "1"), null, options);
  const reply = alistToObject(readDatum(readRawOk(res, "comet")));
  const content = reply["content"];
  if (!Array.isArray(content)) throw new TypeError(`content is not a list: ${JSON.stringify(content)}`);
  return {
    pos: integer(reply["pos"], "pos"),
    nc: integer(reply["nc"], "nc"),
    ver: string(reply["ver"], "ver"),
    cid: integer(reply["cid"], "cid"),
    content: content.map(toEntry),
  };
}

/**
 * The same request with `s=0` (JSON, as the browser's script reads it); `cid`
 * may be null to ask for a fresh client id.
 */
export async function observeJson(cometUri: string, cid: number | null, pos: number, options?: RequestOptions): Promise<CometReply> {
  const res = await fetch(cometUrl(cometUri, cid, pos, "0"), { signal: requestSignal(options) });
  const reply = JSON.parse(await readOk(res, "comet")) as Record<string, unknown>;
  const content = reply["content"];
  if (!Array.isArray(content)) throw new TypeError(`content is not an array: ${JSON.stringify(content)}`);
  return {
    pos: integer(reply["pos"] as Datum, "pos"),
    nc: integer(reply["nc"] as Datum, "nc"),
    ver: string(reply["ver"] as Datum, "ver"),
    cid: integer(reply["cid"] as Datum, "cid"),
    content: content.map((entry) => toEntry(entry as Datum)),
  };
}

/** chaton-talk: POST `postUri` with the fields nick, text and (when given) cid, as rfc.http's multipart. */
export async function post(postUri: string, nick: string, text: string, cid?: number, options?: RequestOptions): Promise<PostReply> {
  const form: [string, string][] = [
    ["nick", nick],
    ["text", text],
  ];
  if (cid !== undefined) form.push(["cid", String(cid)]);
  const res = await gaucheRequest(postUri, form, options);
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", body: res.body.toString("utf8") };
}

/** The same post as the room page's script makes it: urlencoded, through fetch. */
export async function postAsBrowser(postUri: string, nick: string, text: string, options?: RequestOptions): Promise<PostReply> {
  const res = await fetch(postUri, { method: "POST", body: new URLSearchParams({ nick, text }), signal: requestSignal(options) });
  return { status: res.status, contentType: res.headers.get("Content-Type") ?? "", body: await res.text() };
}

/**
 * Reads a post reply as the Gauche client does, with `read`: an alist, or the
 * original's short empty page, which reads as a symbol. Throws if unreadable.
 */
export function readPostReply(body: string): Datum {
  return readDatum(body);
}
