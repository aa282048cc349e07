import { CLOSE_MOVING, type ServerFrame } from "../protocol/wire";
import { Backoff, sleep, type LiveHandlers, type LiveStart } from "./transport";

/** After this many attempts in a row that never got a hello, the page falls back to long-poll. */
const FAILURES_BEFORE_FALLBACK = 3;
/** Keep-alive: the server answers "ping" with "pong" without waking the room. */
const PING_EVERY_MS = 30_000;

export interface SocketEnd {
  /** The socket could not be opened or kept failing: continue with long-poll from `pos`. */
  fallback: boolean;
  pos: number;
}

/** One connection: resolves when it closes, with whether it ever said hello, and whether the room moved it (connect again at once). */
function connectOnce(url: string, state: { pos: number }, ver: string, on: LiveHandlers): Promise<{ greeted: boolean; stop: boolean; moved: boolean }> {
  return new Promise((resolve) => {
    let greeted = false;
    let stop = false;
    let ping: ReturnType<typeof setInterval> | null = null;
    let settled = false;
    const settle = (moved: boolean) => {
      if (settled) return;
      settled = true;
      if (ping !== null) clearInterval(ping);
      resolve({ greeted, stop, moved });
    };
    // The page shows rendered entries: it asks for the HTML alone.
    const ws = new WebSocket(`${url}?p=${state.pos}&frames=html`);
    ws.addEventListener("message", (event) => {
      if (settled || event.data === "pong" || typeof event.data !== "string") return;
      const frame = JSON.parse(event.data) as ServerFrame<"html">;
      switch (frame.type) {
        case "hello":
          greeted = true;
          if (frame.ver !== ver) {
            stop = true;
            ws.close(1000);
            on.redeployed();
            return;
          }
          on.presence(frame.nc);
          ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send("ping"), PING_EVERY_MS);
          break;
        case "entries":
          on.news(frame.html, frame.nc, frame.reset);
          state.pos = frame.pos;
          break;
        case "presence":
          on.presence(frame.nc);
          break;
        case "deleted":
          on.deleted(frame.anchor);
          break;
        case "moving":
          // At once, without waiting for this socket's close.
          settle(true);
          ws.close(1000);
          break;
      }
    });
    ws.addEventListener("close", (event) => settle(greeted && event.code === CLOSE_MOVING));
  });
}

/** Whether the room answers plain HTTP: tells a server that is down from sockets that cannot pass. */
async function serverAnswers(): Promise<boolean> {
  try {
    return (await fetch("var/seq", { cache: "no-store", signal: AbortSignal.timeout(5000) })).ok;
  } catch {
    return false;
  }
}

/**
 * The WebSocket loop: connects with the last position it saw, so that a
 * reconnect gets exactly what was missed; reconnects with back-off; gives up
 * for long-poll when sockets cannot be opened at all.
 */
export async function runSocket(start: LiveStart, room: string, on: LiveHandlers): Promise<SocketEnd> {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const url = `${scheme}//${location.host}/${room}/ws`;
  const state = { pos: start.pos };
  const backoff = new Backoff();
  let failures = 0;
  for (;;) {
    const { greeted, stop, moved } = await connectOnce(url, state, start.ver, on);
    if (stop) return { fallback: false, pos: state.pos };
    // The room spreads over relays: a relay takes the socket, from where this one was, without a word to the reader.
    if (moved) continue;
    if (greeted) {
      failures = 0;
      backoff.reset();
    } else if (++failures >= FAILURES_BEFORE_FALLBACK && (await serverAnswers())) {
      // Plain HTTP gets through where sockets do not (a proxy, say): long-poll from here on.
      return { fallback: true, pos: state.pos };
    }
    const delay = backoff.delay();
    on.lost(delay);
    await sleep(delay);
  }
}
