import type { Clock } from "../../clock";
import { clientAddress } from "../../http/client-address";
import { HttpError } from "../../http/errors";
import { integerParam } from "../../http/params";
import { FRAME_BURST, FRAME_RATE_PER_SECOND, MAX_FRAME_BYTES } from "../../protocol/limits";
import {
  CLOSE_POLICY_VIOLATION,
  CLOSE_TOO_BIG,
  CLOSE_MOVING,
  CLOSE_UNSUPPORTED_DATA,
  type ServerFrame,
  type SocketErrorCode,
  type SocketFrames,
  MSGID_RULE,
} from "../../protocol/wire";
import { TokenBucket } from "../../security/token-bucket";
import type { PostResult } from "../../protocol/relay";
import type { ClientRegistry } from "../live/clients";
import type { Listener, News } from "../live/fanout";
import type { NewsEncoder } from "../live/news";
import { PresencePacer } from "../live/presence-pacer";
import { isValidMsgid, type PostInput } from "../posting/write-path";

/** What each socket keeps across hibernation (well under the 2 KB limit). */
interface Attachment {
  cid: number;
  ip: string;
}

/** What a socket is sent of new entries: what it asked for with `frames`, or both. */
export type FrameKind = SocketFrames | "both";

/**
 * Every kind, each also the socket tag it is accepted with: the runtime then
 * lists the sockets of a kind (`getWebSockets(kind)`), so a post sorts no
 * socket, and tags outlive hibernation as attachments do.
 */
export const FRAME_KINDS: readonly FrameKind[] = ["both", "html", "entries"];

/** The page and API sockets open (a room's held comet requests are sockets too, of their own tag). */
export function pageSocketCount(ctx: DurableObjectState): number {
  let count = 0;
  for (const kind of FRAME_KINDS) count += ctx.getWebSockets(kind).length;
  return count;
}

/** `frames` of the socket's URL: none keeps the frame with both parts. */
function frameKind(frames: string | null): FrameKind {
  if (frames === null) return "both";
  if (frames === "html" || frames === "entries") return frames;
  throw new HttpError(400, "Parameter frames must be html or entries");
}

/** What the room keeps of a socket while it is awake and sending frames: lost on hibernation, which only an idle socket reaches. */
interface Sender {
  attachment: Attachment | null;
  /** Frame floods. */
  bucket: TokenBucket;
}

/** Who listens where the sockets are: the room's client registry, or a relay's count of its own sockets. */
export type Audience = Pick<ClientRegistry, "freshId" | "socketOpened" | "socketClosed" | "sockets" | "count">;

export interface SocketRoom {
  ctx: DurableObjectState;
  clients: Audience;
  news: Pick<NewsEncoder, "end" | "encodeSince">;
  ver: string;
  clock: Clock;
  /** The write path (the room's, or the room's through a relay): a post frame goes where every post goes. */
  submit(post: PostInput): Promise<PostResult>;
  /** Tells listeners now of entries stored and not yet told (the publish path tells them after their commit). */
  publishNow(): void;
  /** Resolves once this object's sockets have been told of the entries up to `pos`. */
  told(pos: number): Promise<void>;
  /** Brings the room's one alarm forward to `at` (ms): what is due later goes through it, not a timer. */
  wake(at: number): void;
}

const utf8 = new TextEncoder();

/** Close codes the runtime reports for a peer that sent no Close frame; there is no handshake to answer. */
const NO_CLOSE_FRAME = new Set([1006, 1015]);

function send(ws: WebSocket, frame: ServerFrame | string): void {
  try {
    ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  } catch {
    // The socket is closing; its close event will follow.
  }
}

/** The entries after `from`, as the frame of one kind, from news encoded once per (position, format). */
function entriesFrame(kind: FrameKind, from: number, end: number, nc: number, news: Pick<News, "encodeSince">): string {
  const head = `{"type":"entries","pos":${end},"nc":${nc},"reset":${from > end}`;
  switch (kind) {
    case "entries":
      return `${head},"entries":${news.encodeSince(from, "json").text}}`;
    case "html":
      return `${head},"html":${news.encodeSince(from, "html").text}}`;
    case "both":
      return `${head},"entries":${news.encodeSince(from, "json").text},"html":${news.encodeSince(from, "html").text}}`;
  }
}

/** The same bytes to every socket in `sockets`: nothing per socket but the send. */
function sendAll(sockets: readonly WebSocket[], frame: string): void {
  for (const ws of sockets) {
    try {
      ws.send(frame);
    } catch {
      // The socket is closing; its close event will follow.
    }
  }
}

function errorFrame(code: SocketErrorCode, message: string, id: string | null): Extract<ServerFrame, { type: "error" }> {
  return { type: "error", code, message, id };
}

/**
 * The room's hibernating WebSockets, a listener of the publish path: accepted
 * with the Hibernation API, so that an idle room sleeps while they stay open;
 * everything needed after a wake-up is in the attachments or the room's storage.
 */
export class Sockets implements Listener {
  private readonly pacer: PresencePacer;
  /** Sockets that sent frames since the room last woke. */
  private readonly senders = new WeakMap<WebSocket, Sender>();

  constructor(private readonly room: SocketRoom) {
    this.pacer = new PresencePacer(
      () => room.clients.count(),
      (nc) => this.broadcast(JSON.stringify({ type: "presence", nc } satisfies ServerFrame)),
      (at) => room.wake(at),
    );
  }

  /**
   * GET ws?p=<pos>[&frames=html|entries]: accepts the socket, tagged with
   * what it asked for, says hello and sends what came after `pos`.
   */
  accept(request: Request, url: URL): Response {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpError(426, "Expected a WebSocket upgrade", { Upgrade: "websocket" });
    }
    const p = integerParam(url.searchParams, "p") ?? 0;
    if (p < 0) throw new HttpError(400, "Parameter p must not be negative");
    const kind = frameKind(url.searchParams.get("frames"));
    const { ctx, clients, news, ver } = this.room;
    // Entries not yet told are told before this socket joins: its hello and backlog go up to the end, and nothing comes twice.
    this.room.publishNow();
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    // Counted before it is accepted: the others hear the new count, and this one hears hello first.
    clients.socketOpened();
    ctx.acceptWebSocket(server, [kind]);
    const attachment: Attachment = { cid: clients.freshId(), ip: clientAddress(request) };
    server.serializeAttachment(attachment);
    const end = news.end;
    const nc = clients.count();
    send(server, { type: "hello", cid: attachment.cid, ver, nc, pos: end });
    if (p !== end) send(server, entriesFrame(kind, p, end, nc, news));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Every socket gets the same bytes. */
  private broadcast(frame: string): void {
    if (this.room.clients.sockets === 0) return;
    for (const kind of FRAME_KINDS) sendAll(this.room.ctx.getWebSockets(kind), frame);
  }

  /** Each kind of socket gets its frame, made once for all of them, and only when one listens. */
  entries(news: News): void {
    if (this.room.clients.sockets === 0) return;
    for (const kind of FRAME_KINDS) {
      const sockets = this.room.ctx.getWebSockets(kind);
      if (sockets.length > 0) sendAll(sockets, entriesFrame(kind, news.from, news.end, news.nc, news));
    }
    this.pacer.toldWith(news.nc);
  }

  /** The room spreads over relays (live/relays.ts): every socket here is asked to connect again at once, and a relay takes it. */
  moveAll(): void {
    const moving = JSON.stringify({ type: "moving" } satisfies ServerFrame);
    for (const kind of FRAME_KINDS) {
      for (const ws of this.room.ctx.getWebSockets(kind)) {
        send(ws, moving);
        try {
          ws.close(CLOSE_MOVING, "Moving to a relay; connect again");
        } catch {
          // Closing already.
        }
      }
    }
  }

  deleted(anchor: string): void {
    this.broadcast(JSON.stringify({ type: "deleted", anchor } satisfies ServerFrame));
  }

  /** Sockets hear of a change of chatters at most once per PRESENCE_INTERVAL_MS (live/presence-pacer.ts). */
  presence(): void {
    if (this.room.clients.sockets > 0) this.pacer.changed();
  }

  /** The alarm came: a change of chatters held back is told now. */
  presenceDue(): void {
    this.pacer.due();
  }

  /** What the room keeps of a socket that sends frames, made at its first frame since the room woke. */
  private sender(ws: WebSocket, now: number): Sender {
    let sender = this.senders.get(ws);
    if (sender === undefined) {
      sender = { attachment: null, bucket: new TokenBucket(FRAME_BURST, FRAME_RATE_PER_SECOND, now) };
      this.senders.set(ws, sender);
    }
    return sender;
  }

  /** A frame from a client. Bad frames get an error frame or a close with the right code, never an exception. */
  message(ws: WebSocket, data: string | ArrayBuffer): void {
    if (typeof data !== "string") return ws.close(CLOSE_UNSUPPORTED_DATA, "Text frames only");
    // A UTF-16 unit takes at most 3 UTF-8 bytes: only long frames need counting.
    if (data.length > MAX_FRAME_BYTES || (data.length * 3 > MAX_FRAME_BYTES && utf8.encode(data).byteLength > MAX_FRAME_BYTES)) {
      return ws.close(CLOSE_TOO_BIG, `Frames are limited to ${MAX_FRAME_BYTES} bytes`);
    }
    const now = this.room.clock.now();
    const sender = this.sender(ws, now);
    if (!sender.bucket.take(now)) return ws.close(CLOSE_POLICY_VIOLATION, "Too many frames");

    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return send(ws, errorFrame("bad-frame", "Frames must be JSON", null));
    }
    const { type, id: rawId } = (frame ?? {}) as { type?: unknown; id?: unknown };
    const id = typeof rawId === "string" ? rawId.slice(0, 64) : null;
    if (type !== "post") return send(ws, errorFrame("unknown-type", "Unknown frame type", id));

    const { nick, text, msgid } = frame as { nick?: unknown; text?: unknown; msgid?: unknown };
    if (typeof nick !== "string" || typeof text !== "string") {
      return send(ws, errorFrame("bad-post", "A post needs a nick and a text", id));
    }
    if (msgid !== undefined && (typeof msgid !== "string" || !isValidMsgid(msgid))) {
      return send(ws, errorFrame("bad-post", MSGID_RULE, id));
    }
    sender.attachment ??= ws.deserializeAttachment() as Attachment | null;
    const attachment = sender.attachment;
    void this.room.submit({ nick, text, ip: attachment?.ip ?? "unknown", msgid: msgid ?? null, client: `socket:${attachment?.cid ?? "unknown"}` }).then(
      async (outcome) => {
        if (outcome.kind === "rate-limited") {
          return send(ws, { ...errorFrame("rate-limited", "Too many posts; wait a little", id), retryAfter: outcome.retryAfter });
        }
        // A stored post's ack follows its entries frame, as the poster's socket hears it told.
        if (outcome.kind === "stored") await this.room.told(outcome.pos);
        send(ws, { type: "ack", id, stored: outcome.kind !== "empty", pos: outcome.pos, ...outcome.grant });
      },
      () => send(ws, { ...errorFrame("unavailable", "The room could not take the post; send it again", id), retryAfter: 1 }),
    );
  }

  /** A socket closed: answer the peer's Close frame (unless it sent none); the registry announces the change. */
  closed(ws: WebSocket, code: number): void {
    try {
      // 1005: the peer's Close had no code, and neither has the answer.
      if (code === 1005) ws.close();
      else if (!NO_CLOSE_FRAME.has(code)) ws.close(code, "closing");
    } catch {
      // Already closed.
    }
    this.room.clients.socketClosed();
  }
}
