/**
 * The WebSocket transport of Chaton for Workers: `<room>/ws?p=<pos>&frames=entries`, JSON
 * frames (README "The WebSocket protocol"). The hello frame says the link is
 * up; the entries after `p` follow; posts go up the same socket and come
 * back as `ack` or `error` frames naming their id.
 */
import { PostRefusedError, RateLimitedError } from "../errors.js";
import { wireEntries } from "../replies.js";
import { CLOSE_MOVING, type ClientFrame, type ServerFrame } from "../wire.js";
import type { Link, LinkEnd, LinkSink, Transport } from "./link.js";

/** What the transport needs of a WebSocket: the WHATWG API, as in browsers, Workers, Node 22 and the `ws` package. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "message" | "close" | "error", listener: (event: { data?: unknown; code?: number }) => void): void;
}

export type SocketConstructor = new (url: string) => SocketLike;

const OPEN = 1;

export interface SocketTransportOptions {
  WebSocket: SocketConstructor;
  /** A "ping" goes up this often (default 30 s); the server answers "pong" without waking the room. */
  pingIntervalMs?: number;
  /** A socket that has heard nothing for this long is taken as dead (default: two ping intervals). */
  silenceMs?: number;
  /** A socket with no hello this long after it was opened is given up (default 15 s). */
  helloTimeoutMs?: number;
}

/** ws: or wss: for the room's own http: or https: URL; the socket asks for the entries alone (`frames=entries`), not their HTML. */
export function socketUrl(roomUrl: string, pos: number): string {
  const url = new URL(`ws?p=${pos}&frames=entries`, roomUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

/** Turns an error frame about a post into the error its post() rejects with. */
function postError(frame: Extract<ServerFrame, { type: "error" }>): PostRefusedError | RateLimitedError {
  // Both say when to send it again: the limit's wait, or a moment for a room that could not be reached.
  if (frame.code === "rate-limited" || frame.code === "unavailable") return new RateLimitedError(frame.retryAfter ?? 1, frame.message);
  return new PostRefusedError(frame.message);
}

export class SocketTransport implements Transport {
  readonly name = "ws";
  readonly carriesPosts = true;
  private readonly pingIntervalMs: number;
  private readonly silenceMs: number;
  private readonly helloTimeoutMs: number;

  constructor(
    private readonly roomUrl: string,
    private readonly options: SocketTransportOptions,
  ) {
    this.pingIntervalMs = options.pingIntervalMs ?? 30_000;
    this.silenceMs = options.silenceMs ?? 2 * this.pingIntervalMs;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 15_000;
  }

  open(pos: number, sink: LinkSink): Link {
    let finish!: (end: LinkEnd) => void;
    const ended = new Promise<LinkEnd>((resolve) => (finish = resolve));
    let greeted = false;
    let done = false;
    let position = pos;
    let lastHeard = Date.now();
    let ws: SocketLike | null = null;
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    let helloTimer: ReturnType<typeof setTimeout> | undefined;

    const end = (reason: string, moved = false) => {
      if (done) return;
      done = true;
      clearInterval(keepAlive);
      clearTimeout(helloTimer);
      try {
        ws?.close(1000);
      } catch {
        // Already closing.
      }
      finish(moved ? { greeted, reason, moved } : { greeted, reason });
    };

    const receive = (data: unknown) => {
      lastHeard = Date.now();
      if (typeof data !== "string" || data === "pong") return;
      const frame = JSON.parse(data) as ServerFrame<"entries">;
      switch (frame.type) {
        case "hello":
          greeted = true;
          clearTimeout(helloTimer);
          sink.greeted();
          sink.presence(frame.nc);
          break;
        case "entries": {
          const entries = wireEntries(frame.entries, "entries frame");
          sink.batch({ from: position, end: frame.pos, reset: frame.reset, entries, nc: frame.nc });
          position = frame.pos;
          break;
        }
        case "presence":
          sink.presence(frame.nc);
          break;
        case "deleted":
          sink.deleted(frame.anchor);
          break;
        case "moving":
          end("the room moved the socket to a relay", true);
          break;
        case "ack":
          if (frame.id !== null) sink.ack(frame.id, frame.stored, frame.pos);
          break;
        case "error":
          if (frame.id !== null) sink.refused(frame.id, postError(frame));
          break;
      }
    };

    try {
      ws = new this.options.WebSocket(socketUrl(this.roomUrl, pos));
    } catch (error) {
      end(`cannot open a WebSocket: ${(error as Error).message}`);
      return { send: () => false, close: () => {}, ended };
    }
    const socket = ws;
    helloTimer = setTimeout(() => end(`no hello within ${this.helloTimeoutMs} ms`), this.helloTimeoutMs);
    keepAlive = setInterval(() => {
      if (Date.now() - lastHeard > this.silenceMs) return end(`no word from the server for ${this.silenceMs} ms`);
      if (socket.readyState === OPEN) socket.send("ping");
    }, this.pingIntervalMs);
    socket.addEventListener("message", (event) => {
      if (done) return;
      try {
        receive(event.data);
      } catch (error) {
        end(`unreadable frame: ${(error as Error).message}`);
      }
    });
    socket.addEventListener("close", (event) =>
      end(greeted ? `socket closed (${event.code ?? "?"})` : "the room refused the socket", greeted && event.code === CLOSE_MOVING),
    );
    // A close event should follow an error, but Node's WebSocket may fire none when the connection is refused.
    socket.addEventListener("error", () => end(greeted ? "socket error" : "the room refused the socket"));

    return {
      send: (frame: ClientFrame) => {
        if (done || !greeted || socket.readyState !== OPEN) return false;
        socket.send(JSON.stringify(frame));
        return true;
      },
      close: () => end("closed by the client"),
      ended,
    };
  }
}
