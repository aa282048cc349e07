import { describe, expect, it } from "vitest";
import { CometTransport } from "../src/transports/comet.js";
import type { Batch, LinkSink } from "../src/transports/link.js";
import { SocketTransport, socketUrl, type SocketLike } from "../src/transports/socket.js";
import { fakeFetch, json, sexpr } from "./support/fake-fetch.js";
import { session } from "./support/stubs.js";

/** A sink that records what a link heard. */
function recorder() {
  const heard: (string | Batch | [string, unknown, unknown?])[] = [];
  const sink: LinkSink = {
    greeted: () => heard.push("greeted"),
    batch: (batch) => heard.push(batch),
    presence: (nc) => heard.push(["presence", nc]),
    deleted: (anchor) => heard.push(["deleted", anchor]),
    ack: (id, stored, pos) => heard.push(["ack", id, [stored, pos]]),
    refused: (id, error) => heard.push(["refused", id, error]),
  };
  return { heard, sink };
}

const never = () => new Promise<Response>(() => {});

describe("the comet transport", () => {
  it("should ask from its position with the client id, and read S-expression replies as the Gauche client does", async () => {
    const { fetch, requests } = fakeFetch([
      sexpr('((pos . 12) (nc . 2) (ver . "k2x9") (cid . 43) (content ("alice" (1700000000 123456) "hi \\"you\\"") ("bob" (1700000001 5) "line1\\nline2")))'),
      sexpr('((pos . 12) (nc . 3) (ver . "k2x9") (cid . 43) (content))'),
      never,
    ]);
    const comet = new CometTransport(session({ cid: 42 }), { format: "sexpr", fetch, relogin: async () => session() });
    const { heard, sink } = recorder();
    const link = comet.open(10, sink);
    while (requests.length < 3) await new Promise((r) => setTimeout(r, 5));
    const [first, second] = requests.map((r) => new URL(r.url));
    expect(Object.fromEntries(first!.searchParams)).toMatchObject({ c: "42", p: "10", s: "1" });
    expect(first!.searchParams.get("t")).toMatch(/^\d+$/);
    expect(Object.fromEntries(second!.searchParams)).toMatchObject({ c: "43", p: "12", s: "1" });
    expect(heard).toEqual([
      "greeted",
      {
        from: 10,
        end: 12,
        reset: false,
        nc: 2,
        entries: [
          ["alice", [1700000000, 123456], 'hi "you"'],
          ["bob", [1700000001, 5], "line1\nline2"],
        ],
      },
      ["presence", 3],
    ]);
    link.close();
    expect((await link.ended).reason).toBe("closed by the client");
  });

  it("should take a reply whose position is behind its own as a reset", async () => {
    const { fetch } = fakeFetch([
      json({
        pos: 2,
        nc: 1,
        ver: "v",
        cid: 42,
        content: [
          ["a", [1, 0], "x"],
          ["a", [2, 0], "y"],
        ],
      }),
      never,
    ]);
    const { heard, sink } = recorder();
    new CometTransport(session(), { format: "json", fetch, relogin: async () => session() }).open(50, sink);
    while (heard.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(heard[1]).toMatchObject({ from: 50, end: 2, reset: true });
  });

  it("should log in again when the session expired (cid -1), and end the link when a request fails", async () => {
    const { fetch, requests } = fakeFetch([
      json({ pos: 0, nc: 0, ver: "v", cid: -1, content: [] }),
      json({ pos: 5, nc: 1, ver: "v", cid: 77, content: [] }),
      new Response("busy", { status: 503 }),
    ]);
    let logins = 0;
    const comet = new CometTransport(session({ cid: 42 }), {
      format: "json",
      fetch,
      relogin: async () => session({ cid: 70 + ++logins }),
    });
    const { sink } = recorder();
    const end = await comet.open(5, sink).ended;
    expect(end).toEqual({ greeted: true, reason: "comet: busy" });
    expect(logins).toBe(1);
    expect(new URL(requests[1]!.url).searchParams.get("c")).toBe("71");
    // A later link logs in first: a fresh client id, and a quick word that the room is back.
    const later = comet.open(5, sink);
    await new Promise((r) => setTimeout(r, 5));
    expect(logins).toBe(2);
    later.close();
  });

  it("should end the link on a reply that is not a comet reply", async () => {
    const { fetch } = fakeFetch([new Response("<html>proxy error</html>", { headers: { "Content-Type": "text/html" } })]);
    const { sink } = recorder();
    const end = await new CometTransport(session(), { format: "sexpr", fetch, relogin: async () => session() }).open(0, sink).ended;
    expect(end.greeted).toBe(true);
    expect(end.reason).toMatch(/comet: /);
  });
});

/** A WebSocket the test plays the server of. */
class FakeSocket implements SocketLike {
  static last: FakeSocket | null = null;
  readyState = 0;
  readonly sent: string[] = [];
  private readonly listeners = new Map<string, ((event: { data?: unknown; code?: number }) => void)[]>();

  constructor(readonly url: string) {
    FakeSocket.last = this;
  }

  addEventListener(type: string, listener: (event: { data?: unknown; code?: number }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  emit(type: string, event: { data?: unknown; code?: number } = {}): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }

  serverSays(frame: unknown): void {
    this.readyState = 1;
    this.emit("message", { data: typeof frame === "string" ? frame : JSON.stringify(frame) });
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code = 1000): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit("close", { code });
  }
}

describe("the socket transport", () => {
  it("should make ws: and wss: URLs from the room's URL", () => {
    expect(socketUrl("http://chat.test/lobby/", 5)).toBe("ws://chat.test/lobby/ws?p=5&frames=entries");
    expect(socketUrl("https://chat.test:8443/lobby/", 0)).toBe("wss://chat.test:8443/lobby/ws?p=0&frames=entries");
  });

  it("should pass on hello, entries from its position, presence, deletions, acks and refusals", async () => {
    const transport = new SocketTransport("http://chat.test/lobby/", { WebSocket: FakeSocket });
    const { heard, sink } = recorder();
    const link = transport.open(3, sink);
    const ws = FakeSocket.last!;
    expect(ws.url).toBe("ws://chat.test/lobby/ws?p=3&frames=entries");
    expect(link.send({ type: "post", id: "m1", nick: "a", text: "b" })).toBe(false);
    ws.serverSays({ type: "hello", cid: 9, ver: "v", nc: 2, pos: 5 });
    ws.serverSays({
      type: "entries",
      pos: 5,
      nc: 2,
      reset: false,
      entries: [
        ["a", [1, 0], "x"],
        ["a", [2, 0], "y"],
      ],
    });
    ws.serverSays({ type: "entries", pos: 6, nc: 3, reset: false, entries: [["b", [3, 0], "z"]] });
    ws.serverSays("pong");
    ws.serverSays({ type: "presence", nc: 4 });
    ws.serverSays({ type: "deleted", anchor: "entry-1-00" });
    expect(link.send({ type: "post", id: "m1", msgid: "abc", nick: "a", text: "b" })).toBe(true);
    expect(JSON.parse(ws.sent[0]!)).toEqual({ type: "post", id: "m1", msgid: "abc", nick: "a", text: "b" });
    ws.serverSays({ type: "ack", id: "m1", stored: true, pos: 7 });
    ws.serverSays({ type: "error", code: "rate-limited", message: "Too many posts; wait a little", id: "m2", retryAfter: 2 });
    expect(heard.slice(0, 7)).toEqual([
      "greeted",
      ["presence", 2],
      {
        from: 3,
        end: 5,
        reset: false,
        nc: 2,
        entries: [
          ["a", [1, 0], "x"],
          ["a", [2, 0], "y"],
        ],
      },
      { from: 5, end: 6, reset: false, nc: 3, entries: [["b", [3, 0], "z"]] },
      ["presence", 4],
      ["deleted", "entry-1-00"],
      ["ack", "m1", [true, 7]],
    ]);
    expect(heard[7]).toMatchObject(["refused", "m2", { name: "RateLimitedError", retryAfter: 2 }]);
    ws.close(1006);
    expect(await link.ended).toEqual({ greeted: true, reason: "socket closed (1006)" });
  });

  it("should end a link the room moves to a relay at its moving frame, as one to open again at once", async () => {
    const transport = new SocketTransport("http://chat.test/lobby/", { WebSocket: FakeSocket });
    const link = transport.open(4, recorder().sink);
    FakeSocket.last!.serverSays({ type: "hello", cid: 9, ver: "v", nc: 2, pos: 4 });
    FakeSocket.last!.serverSays({ type: "moving" });
    expect(await link.ended).toEqual({ greeted: true, reason: "the room moved the socket to a relay", moved: true });
  });

  it("should end a link the room refused before any hello", async () => {
    const transport = new SocketTransport("http://chat.test/lobby/", { WebSocket: FakeSocket });
    const link = transport.open(0, recorder().sink);
    FakeSocket.last!.emit("error");
    FakeSocket.last!.close(1006);
    expect(await link.ended).toEqual({ greeted: false, reason: "the room refused the socket" });
  });

  it("should give up a socket that says no hello in time", async () => {
    const transport = new SocketTransport("http://chat.test/lobby/", { WebSocket: FakeSocket, helloTimeoutMs: 20 });
    const link = transport.open(0, recorder().sink);
    expect(await link.ended).toEqual({ greeted: false, reason: "no hello within 20 ms" });
  });

  it("should end a link at an error even when no close event follows", async () => {
    const transport = new SocketTransport("http://chat.test/lobby/", { WebSocket: FakeSocket });
    const link = transport.open(0, recorder().sink);
    FakeSocket.last!.emit("error");
    expect(await link.ended).toEqual({ greeted: false, reason: "the room refused the socket" });
  });

  it("should ping, and give up a socket that stays silent", async () => {
    const transport = new SocketTransport("http://chat.test/lobby/", { WebSocket: FakeSocket, pingIntervalMs: 10, silenceMs: 35 });
    const link = transport.open(0, recorder().sink);
    const ws = FakeSocket.last!;
    ws.serverSays({ type: "hello", cid: 9, ver: "v", nc: 1, pos: 0 });
    const end = await link.ended;
    expect(ws.sent.filter((s) => s === "ping").length).toBeGreaterThanOrEqual(1);
    expect(end.reason).toMatch(/no word from the server/);
  });

  it("should end the link on a frame that is not JSON", async () => {
    const transport = new SocketTransport("http://chat.test/lobby/", { WebSocket: FakeSocket });
    const link = transport.open(0, recorder().sink);
    FakeSocket.last!.serverSays("{nope");
    expect((await link.ended).reason).toMatch(/unreadable frame/);
  });
});
