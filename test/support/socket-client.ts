import { expect } from "vitest";
import type { ServerFrame } from "../../src/protocol/wire";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Client {
  ws: WebSocket;
  frames: ServerFrame[];
  /** Every frame as it came, the bytes compared. */
  raw: string[];
  closed: Promise<{ code: number; reason: string }>;
  /** The next frame of `type` after those already seen, within `ms`. */
  next<T extends ServerFrame["type"]>(type: T, ms?: number): Promise<Extract<ServerFrame, { type: T }>>;
  send(frame: unknown): void;
}

/** The client side of a socket a room (or its relay) accepted: every frame it is sent, parsed and as it came. */
export function socketClient(res: Response): Client {
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const parsed: ServerFrame[] = [];
  const raw: string[] = [];
  let resolveClosed!: (value: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (resolveClosed = resolve));
  ws.addEventListener("message", (event) => {
    if (event.data === "pong") return;
    raw.push(event.data as string);
    parsed.push(JSON.parse(event.data as string));
  });
  ws.addEventListener("close", (event) => resolveClosed({ code: event.code, reason: event.reason }));
  ws.accept();
  const seen = new Map<string, number>();
  return {
    ws,
    frames: parsed,
    raw,
    closed,
    async next(type, ms = 2000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const from = seen.get(type) ?? 0;
        const index = parsed.findIndex((f, i) => i >= from && f.type === type);
        if (index >= 0) {
          seen.set(type, index + 1);
          return parsed[index] as never;
        }
        if (Date.now() > deadline) throw new Error(`no ${type} frame within ${ms} ms; got ${JSON.stringify(parsed)}`);
        await sleep(10);
      }
    },
    send: (frame) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
  };
}
