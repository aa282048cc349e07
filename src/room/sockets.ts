import { HttpError } from "../http/errors";
import { integerParam } from "../http/params";
import { cleanPost } from "../protocol/entry";
import {
  FRAME_BURST,
  FRAME_RATE_PER_SECOND,
  MAX_FRAME_BYTES,
  POST_BURST,
  POST_RATE_PER_SECOND,
  PRESENCE_INTERVAL_MS,
} from "../protocol/limits";
import {
  CLOSE_POLICY_VIOLATION,
  CLOSE_TOO_BIG,
  CLOSE_UNSUPPORTED_DATA,
  type ServerFrame,
  type SocketErrorCode,
} from "../protocol/wire";
import type { RoomContext } from "./context";
import { admitPost, clientAddress } from "./poster";
import { publish } from "./publish";
import { TokenBucket } from "./rate";

/** What each socket keeps across hibernation (well under the 2 KB limit). */
interface Attachment {
  cid: number;
  ip: string;
}

const utf8 = new TextEncoder();

/** Close codes the runtime reports for a peer that sent no Close frame; there is no handshake to answer. */
const RESERVED_CLOSE_CODES = new Set([1005, 1006, 1015]);

function send(ws: WebSocket, frame: ServerFrame | string): void {
  try {
    ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  } catch {
    // The socket is closing; its close event will follow.
  }
}

/**
 * The room's hibernating WebSockets: accepted with the Hibernation API, so
 * that an idle room sleeps while they stay open; everything needed after a
 * wake-up is in the attachments or the room's storage.
 */
export class Sockets {
  private open: number;
  private lastPresence = -1;
  private lastPresenceAt = 0;
  private presenceTimer: ReturnType<typeof setTimeout> | null = null;
  /** Rate limits; lost on hibernation, which only forgives an idle socket. */
  private readonly buckets = new WeakMap<WebSocket, { frames: TokenBucket; posts: TokenBucket }>();

  constructor(private readonly ctx: DurableObjectState) {
    this.open = ctx.getWebSockets().length;
  }

  get count(): number {
    return this.open;
  }

  /** GET ws?p=<pos>: accepts the socket, says hello and sends what came after `pos`. */
  accept(room: RoomContext, request: Request): Response {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpError(426, "Expected a WebSocket upgrade", { Upgrade: "websocket" });
    }
    const p = integerParam(new URL(request.url).searchParams, "p") ?? 0;
    if (p < 0) throw new HttpError(400, "Parameter p must not be negative");
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    const attachment: Attachment = { cid: room.clients.freshId(), ip: clientAddress(request) };
    server.serializeAttachment(attachment);
    this.open++;
    const end = room.log.end;
    send(server, { type: "hello", cid: attachment.cid, ver: room.ver, nc: room.chatters(), pos: end });
    if (p !== end) send(server, this.entriesFrame(room, p, end, room.chatters()));
    this.presenceChanged(room);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The entries after `from`, as one frame: encoded once per (from, end) through the room's news cache. */
  entriesFrame(room: RoomContext, from: number, end: number, nc: number): string {
    const reset = from > end;
    const entries = room.news.encodeSince(from, "json").text;
    const html = room.news.encodeSince(from, "html").text;
    return `{"type":"entries","pos":${end},"nc":${nc},"reset":${reset},"entries":${entries},"html":${html}}`;
  }

  /** Sends every socket the entries after `from`, with the chatters `nc`: the same bytes to all. */
  broadcastEntries(room: RoomContext, from: number, nc: number): void {
    if (this.open === 0) return;
    const frame = this.entriesFrame(room, from, room.log.end, nc);
    for (const ws of this.ctx.getWebSockets()) send(ws, frame);
    this.lastPresence = nc;
  }

  /** Sends one frame to every socket. */
  broadcast(frame: ServerFrame): void {
    if (this.open === 0) return;
    const text = JSON.stringify(frame);
    for (const ws of this.ctx.getWebSockets()) send(ws, text);
  }

  /**
   * Notes that the number of chatters may have changed. Sockets hear of it
   * at once if they have not for PRESENCE_INTERVAL_MS, else at the end of
   * that interval, once: a crowd joining costs one message per socket per interval.
   */
  presenceChanged(room: RoomContext): void {
    if (this.presenceTimer !== null || this.open === 0) return;
    const wait = this.lastPresenceAt + PRESENCE_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.flushPresence(room);
      return;
    }
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = null;
      this.flushPresence(room);
    }, wait);
  }

  private flushPresence(room: RoomContext): void {
    const nc = room.chatters();
    this.lastPresenceAt = Date.now();
    if (nc === this.lastPresence) return;
    this.lastPresence = nc;
    const frame = JSON.stringify({ type: "presence", nc } satisfies ServerFrame);
    for (const ws of this.ctx.getWebSockets()) send(ws, frame);
  }

  private bucketsOf(ws: WebSocket, now: number) {
    let buckets = this.buckets.get(ws);
    if (buckets === undefined) {
      buckets = { frames: new TokenBucket(FRAME_BURST, FRAME_RATE_PER_SECOND, now), posts: new TokenBucket(POST_BURST, POST_RATE_PER_SECOND, now) };
      this.buckets.set(ws, buckets);
    }
    return buckets;
  }

  /** A frame from a client. Bad frames get an error frame or a close with the right code, never an exception. */
  message(room: RoomContext, ws: WebSocket, data: string | ArrayBuffer): void {
    if (typeof data !== "string") return ws.close(CLOSE_UNSUPPORTED_DATA, "Text frames only");
    // A UTF-16 unit takes at most 3 UTF-8 bytes: only long frames need counting.
    if (data.length > MAX_FRAME_BYTES || (data.length * 3 > MAX_FRAME_BYTES && utf8.encode(data).byteLength > MAX_FRAME_BYTES)) {
      return ws.close(CLOSE_TOO_BIG, `Frames are limited to ${MAX_FRAME_BYTES} bytes`);
    }
    const now = room.clock.now();
    const buckets = this.bucketsOf(ws, now);
    if (!buckets.frames.take(now)) return ws.close(CLOSE_POLICY_VIOLATION, "Too many frames");

    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return send(ws, errorFrame("bad-frame", "Frames must be JSON", null));
    }
    const { type, id: rawId } = (frame ?? {}) as { type?: unknown; id?: unknown };
    const id = typeof rawId === "string" ? rawId.slice(0, 64) : null;
    if (type !== "post") return send(ws, errorFrame("unknown-type", "Unknown frame type", id));

    const { nick, text } = frame as { nick?: unknown; text?: unknown };
    if (typeof nick !== "string" || typeof text !== "string") {
      return send(ws, errorFrame("bad-post", "A post needs a nick and a text", id));
    }
    if (!buckets.posts.take(now)) {
      return send(ws, { ...errorFrame("rate-limited", "Too many posts; wait a little", id), retryAfter: buckets.posts.wait() });
    }
    const clean = cleanPost(nick, text);
    if (clean === null) return send(ws, { type: "ack", id, stored: false, pos: room.log.end });
    const ip = (ws.deserializeAttachment() as Attachment | null)?.ip ?? "unknown";
    const admission = admitPost(room, ip);
    if (admission === "blocked") return send(ws, { type: "ack", id, stored: true, pos: room.log.end, ...room.authorSecrets.decoy(now) });
    if (admission > 0) return send(ws, { ...errorFrame("rate-limited", "Too many posts; wait a little", id), retryAfter: admission });
    const entry = room.log.append(clean, ip, now);
    publish(room, entry.seq - 1);
    send(ws, { type: "ack", id, stored: true, pos: entry.seq, ...room.authorSecrets.grant(entry) });
  }

  /** A socket closed: answer the peer's Close frame (unless it sent none) and update presence. */
  closed(room: RoomContext, ws: WebSocket, code: number): void {
    this.open = Math.max(0, this.open - 1);
    if (!RESERVED_CLOSE_CODES.has(code)) {
      try {
        ws.close(code, "closing");
      } catch {
        // Already closed.
      }
    }
    this.presenceChanged(room);
  }
}

function errorFrame(code: SocketErrorCode, message: string, id: string | null): Extract<ServerFrame, { type: "error" }> {
  return { type: "error", code, message, id };
}
