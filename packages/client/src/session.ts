/** Logging in to a room with apilogin, as the Gauche client does: its URIs, its name, a client id and its end. */
import { ConnectionError } from "./errors.js";
import { reasonOf, send, type HttpOptions } from "./http.js";
import { roomBase } from "./permalink.js";
import { readLogin, type ReplyFormat } from "./replies.js";

export interface Session {
  /** The room's URL, ending in "/". */
  roomUrl: string;
  /** The room's name as apilogin gives it (its title). */
  roomName: string;
  postUri: string;
  cometUri: string;
  iconUri: string;
  /** The client id for comet requests. */
  cid: number;
  /** The room's end when the session began. */
  pos: number;
}

export interface LoginOptions extends HttpOptions {
  /** The client's name, which the server only logs. */
  who: string;
  format: ReplyFormat;
  timeoutMs?: number;
}

const LOGIN_TIMEOUT_MS = 20_000;

/** POST <room>/apilogin with who and s. Fails with a ConnectionError that carries the status when the server refused. */
export async function login(roomUrl: string, options: LoginOptions): Promise<Session> {
  const base = roomBase(roomUrl);
  const url = new URL("apilogin", base).href;
  const body = new URLSearchParams({ who: options.who, s: options.format === "sexpr" ? "1" : "0" });
  const res = await send(url, { method: "POST", body }, options.timeoutMs ?? LOGIN_TIMEOUT_MS, options);
  if (res.status !== 200) throw new ConnectionError(`apilogin: ${await reasonOf(res)}`, res.status);
  const reply = readLogin(await res.text(), options.format);
  return {
    roomUrl: base,
    roomName: reply["room-name"],
    postUri: reply["post-uri"],
    cometUri: reply["comet-uri"],
    iconUri: reply["icon-uri"],
    cid: reply.cid,
    pos: reply.pos,
  };
}
