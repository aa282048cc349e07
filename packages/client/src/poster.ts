/**
 * Posting through the room's poster (`POST <post-uri>` with nick, text, cid
 * and msgid), for the comet transport and for one-off posts. A request that
 * gets no answer, or a 5xx, is sent again with the same msgid until the
 * post's deadline: the room stores a msgid it has seen only once.
 */
import { type Backoff, sleep } from "./backoff.js";
import { ClosedError, PostRefusedError, PostTimeoutError, RateLimitedError } from "./errors.js";
import { reasonIn, send, type Fetch } from "./http.js";
import { readPostReply, type PostReply, type ReplyFormat } from "./replies.js";

export interface OutgoingPost {
  nick: string;
  text: string;
  /** The client-made id that makes a repeat harmless. */
  msgid: string;
}

export interface HttpPostOptions {
  postUri: string;
  /** The comet client id, sent as the Gauche client does. */
  cid?: number;
  /** Which acknowledgement to ask for. */
  format: ReplyFormat;
  /** Epoch milliseconds after which no request is sent and the post fails with PostTimeoutError. */
  deadline: number;
  backoff: Backoff;
  fetch?: Fetch;
  /** Aborts the post (the client closed). */
  signal?: AbortSignal;
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** A new msgid: random, well inside the pattern the room accepts (1-64 of [A-Za-z0-9_.:-]). */
export function newMsgid(): string {
  return crypto.randomUUID();
}

/** Seconds from a Retry-After header (seconds or an HTTP date), 1 when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number {
  if (value === null) return 1;
  if (/^\d+$/.test(value.trim())) return Math.max(1, Number(value.trim()));
  const date = Date.parse(value);
  return Number.isNaN(date) ? 1 : Math.max(1, Math.ceil((date - now) / 1000));
}

export async function postOverHttp(post: OutgoingPost, options: HttpPostOptions): Promise<PostReply> {
  const form = new URLSearchParams({ nick: post.nick, text: post.text, msgid: post.msgid });
  if (options.cid !== undefined) form.set("cid", String(options.cid));
  const accept = options.format === "sexpr" ? "application/x-sexpr" : "application/json";
  for (;;) {
    if (options.signal?.aborted) throw new ClosedError();
    const left = options.deadline - Date.now();
    if (left <= 0) throw new PostTimeoutError(post.msgid);
    let res: Response;
    let body: string;
    try {
      res = await send(
        options.postUri,
        { method: "POST", body: form, headers: { Accept: accept } },
        Math.min(left, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
        options,
      );
      body = await res.text();
    } catch {
      // No answer, or half of one: the room may have stored it or not. The same msgid again cannot store it twice.
      if (options.signal?.aborted) throw new ClosedError();
      await sleep(Math.min(options.backoff.next(), Math.max(0, options.deadline - Date.now())), options.signal);
      continue;
    }
    if (res.status === 200) return readPostReply(body, res.headers.get("Content-Type") ?? "");
    if (res.status === 429) throw new RateLimitedError(retryAfterSeconds(res.headers.get("Retry-After")), reasonIn(body, res.status));
    if (res.status >= 500) {
      const wait = res.headers.has("Retry-After") ? retryAfterSeconds(res.headers.get("Retry-After")) * 1000 : options.backoff.next();
      await sleep(Math.min(wait, Math.max(0, options.deadline - Date.now())), options.signal);
      continue;
    }
    throw new PostRefusedError(reasonIn(body, res.status), res.status);
  }
}
