/**
 * Idempotent posts, end to end: a post carries a client-made msgid, and the
 * room stores a post whose (nick, msgid) it saw in the last 10 minutes only
 * once, answering a repeat as it answered the first (same pos, stored).
 *
 * The library's side: a proxy between it and wrangler dev cuts the
 * connection right after the room stored a post and before its answer
 * reaches the client; the client repeats the post with the same msgid, and
 * the room must hold it once. Then the same rule without the library: the
 * poster's form field and the socket frame's field.
 *
 * Until the room implements msgid, these tests fail: the repeat is stored twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatonClient } from "../../packages/client/src/client";
import type { ChatEntry } from "../../packages/client/src/events";
import type { ServerFrame } from "../../src/protocol/wire";
import { observeJson, type ChatEntry as LogEntry } from "../support/chaton-client";
import { startCuttingProxy, type CuttingProxy } from "../support/proxies";
import { startDev, type DevServer } from "../support/wrangler-dev";

const ROOMS = ["lobby", "cut-poster", "cut-socket", "form", "frames"].map((name) => ({ name, title: `Room ${name}`, description: "", icon: "/chaton.svg" }));

let dev: DevServer;
let proxy: CuttingProxy;
const clients: ChatonClient[] = [];

beforeAll(async () => {
  dev = await startDev({ vars: { ROOMS: JSON.stringify(ROOMS), COMET_HOLD_SECONDS: "5", STATUS_CACHE_SECONDS: "0" } });
  proxy = await startCuttingProxy(dev.url);
});

afterAll(async () => {
  for (const client of clients) client.close();
  await proxy?.close();
  await dev?.stop();
});

const roomUrl = (name: string, origin = dev.url) => `${origin}/${name}/`;

/** The room's whole current log, read from the server itself (not through the proxy). */
async function wholeLog(room: string): Promise<LogEntry[]> {
  const cometUri = `${roomUrl(room)}comet`;
  const ping = await observeJson(cometUri, null, 0, { timeoutMs: 5_000 });
  return (await observeJson(cometUri, ping.cid, 0, { timeoutMs: 5_000 })).content;
}

async function sequence(room: string): Promise<number> {
  return Number(await (await fetch(`${roomUrl(room)}var/seq`)).text());
}

describe("a post whose answer is lost", () => {
  it("should be stored once when the poster's answer is cut and the client repeats it", async () => {
    const client = await ChatonClient.connect(roomUrl("cut-poster", proxy.url), { transport: "comet", backoff: { minMs: 100, maxMs: 500 } });
    clients.push(client);
    const before = proxy.cuts;
    proxy.arm('"stored"');
    const result = await client.post("careful", "said once, answered twice");
    expect(proxy.cuts - before).toBe(1);
    const log = await wholeLog("cut-poster");
    expect(log.filter((e) => e.text === "said once, answered twice")).toHaveLength(1);
    expect(await sequence("cut-poster")).toBe(result.pos);
    expect(log.at(-1)).toMatchObject({ nick: "careful", text: "said once, answered twice" });
  });

  it("should be stored once when the socket's ack is cut and the client sends it again after reconnecting", async () => {
    const client = await ChatonClient.connect(roomUrl("cut-socket", proxy.url), { transport: "ws", backoff: { minMs: 100, maxMs: 500 } });
    clients.push(client);
    const seen: ChatEntry[] = [];
    void (async () => {
      for await (const event of client.events()) if (event.type === "entry") seen.push(event);
    })();
    const before = proxy.cuts;
    proxy.arm('"type":"ack"');
    const result = await client.post("careful", "sent once, acked twice");
    expect(proxy.cuts - before).toBe(1);
    const log = await wholeLog("cut-socket");
    expect(log.filter((e) => e.text === "sent once, acked twice")).toHaveLength(1);
    expect(await sequence("cut-socket")).toBe(result.pos);
    // The watcher side of the same client saw it once too, at the position the post resolved with.
    const deadline = Date.now() + 5_000;
    while (seen.length < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.map((e) => [e.pos, e.text])).toEqual([[result.pos, "sent once, acked twice"]]);
  });
});

describe("the room's memory of msgids", () => {
  const form = (fields: Record<string, string>) =>
    fetch(`${roomUrl("form")}post`, { method: "POST", body: new URLSearchParams(fields), headers: { Accept: "application/json" } });

  it("should answer a repeated (nick, msgid) on the poster as the first, and store it once", async () => {
    const start = await sequence("form");
    const first = await form({ nick: "bot", text: "hello", msgid: "repeat-1" });
    const again = await form({ nick: "bot", text: "hello", msgid: "repeat-1" });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    const [a, b] = [await first.json(), await again.json()];
    expect(a).toMatchObject({ stored: true, pos: start + 1 });
    expect(b).toEqual(a);
    expect(await sequence("form")).toBe(start + 1);
  });

  it("should store the same msgid from another nick, and posts without a msgid every time", async () => {
    const start = await sequence("form");
    expect(await (await form({ nick: "one", text: "same id", msgid: "shared-id" })).json()).toMatchObject({ stored: true, pos: start + 1 });
    expect(await (await form({ nick: "two", text: "same id", msgid: "shared-id" })).json()).toMatchObject({ stored: true, pos: start + 2 });
    expect(await (await form({ nick: "two", text: "no id" })).json()).toMatchObject({ stored: true, pos: start + 3 });
    expect(await (await form({ nick: "two", text: "no id" })).json()).toMatchObject({ stored: true, pos: start + 4 });
  });

  it("should refuse a msgid that is not 1-64 of [A-Za-z0-9_.:-] with a 4xx, storing nothing", async () => {
    const start = await sequence("form");
    for (const msgid of ["x".repeat(65), "has space", "slash/no", "é"]) {
      const res = await form({ nick: "bot", text: "bad id", msgid });
      expect(res.status, JSON.stringify(msgid)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(msgid)).toBeLessThan(500);
    }
    expect(await sequence("form")).toBe(start);
  });

  it("should answer a repeated msgid on the socket with the first ack's position, and one already seen by the poster likewise", async () => {
    const start = await sequence("frames");
    const ws = new WebSocket(`${dev.url.replace("http", "ws")}/frames/ws?p=${start}`);
    const acks: Extract<ServerFrame, { type: "ack" }>[] = [];
    ws.addEventListener("message", (event) => {
      if (typeof event.data !== "string" || event.data === "pong") return;
      const frame = JSON.parse(event.data) as ServerFrame;
      if (frame.type === "ack") acks.push(frame);
    });
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve);
      ws.addEventListener("error", reject);
    });
    const waitAcks = async (n: number) => {
      const deadline = Date.now() + 5_000;
      while (acks.length < n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(acks).toHaveLength(n);
    };
    ws.send(JSON.stringify({ type: "post", id: "a", msgid: "frame-1", nick: "bot", text: "by frame" }));
    await waitAcks(1);
    ws.send(JSON.stringify({ type: "post", id: "b", msgid: "frame-1", nick: "bot", text: "by frame" }));
    await waitAcks(2);
    expect(acks).toMatchObject([
      { type: "ack", id: "a", stored: true, pos: start + 1 },
      { type: "ack", id: "b", stored: true, pos: start + 1 },
    ]);
    const viaPoster = await fetch(`${roomUrl("frames")}post`, {
      method: "POST",
      body: new URLSearchParams({ nick: "bot", text: "by poster first", msgid: "cross-1" }),
      headers: { Accept: "application/json" },
    });
    expect(await viaPoster.json()).toMatchObject({ stored: true, pos: start + 2 });
    ws.send(JSON.stringify({ type: "post", id: "c", msgid: "cross-1", nick: "bot", text: "by poster first" }));
    await waitAcks(3);
    expect(acks[2]).toMatchObject({ type: "ack", id: "c", stored: true, pos: start + 2 });
    expect(await sequence("frames")).toBe(start + 2);
    ws.close(1000);
  });
});
