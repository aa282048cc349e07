/**
 * The library against a real wrangler dev: the socket and comet (in both
 * reply formats) give the same events, posts resolve with the positions the
 * events show, and "auto" falls back to comet where sockets are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatonClient } from "../../packages/client/src/client";
import type { ChatonEvent, ChatEntry } from "../../packages/client/src/events";
import { observeJson } from "../support/chaton-client";
import { startNoSocketProxy } from "../support/proxies";
import { startDev, type DevServer } from "../support/wrangler-dev";

const ROOMS = ["lobby", "parity", "fallback", "history"].map((name) => ({ name, title: `Room ${name}`, description: "", icon: "/chaton.svg" }));

let dev: DevServer;
const clients: ChatonClient[] = [];

beforeAll(async () => {
  dev = await startDev({ vars: { ROOMS: JSON.stringify(ROOMS), COMET_HOLD_SECONDS: "5", STATUS_CACHE_SECONDS: "0" } });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await dev?.stop();
});

const roomUrl = (name: string, origin = dev.url) => `${origin}/${name}/`;

async function connect(url: string, options: Parameters<typeof ChatonClient.connect>[1]): Promise<ChatonClient> {
  const client = await ChatonClient.connect(url, { backoff: { maxMs: 2_000 }, ...options });
  clients.push(client);
  return client;
}

/** Collects the entries a client's events bring, in the background. */
function collect(client: ChatonClient) {
  const entries: ChatEntry[] = [];
  const events: ChatonEvent[] = [];
  void (async () => {
    for await (const event of client.events()) {
      events.push(event);
      if (event.type === "entry") {
        const { type: _type, ...entry } = event;
        entries.push(entry);
      }
    }
  })();
  return {
    entries,
    events,
    async until(count: number, ms = 15_000): Promise<ChatEntry[]> {
      const deadline = Date.now() + ms;
      while (entries.length < count) {
        if (Date.now() > deadline) throw new Error(`${entries.length} of ${count} entries within ${ms} ms: ${JSON.stringify(events)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return entries.slice(0, count);
    },
  };
}

const TEXTS = [
  "plain",
  'quotes " and \\ backslashes',
  "two\nlines\twith a tab",
  "ünïcödé 日本語 🐱",
  "zero\u200bwidth and a bell\u0007 removed",
  "(not a list) . #t ; not a comment",
];

describe("the transports", () => {
  it("should give the same events over the socket and over comet with S-expression and JSON replies", async () => {
    const url = roomUrl("parity");
    const overSocket = collect(await connect(url, { transport: "ws" }));
    const overSexpr = collect(await connect(url, { transport: "comet", format: "sexpr" }));
    const overJson = collect(await connect(url, { transport: "comet", format: "json" }));
    const poster = await connect(url, { transport: "ws" });
    const results = [];
    for (const text of TEXTS) results.push(await poster.post("parity-bot", text));

    const socketEntries = await overSocket.until(TEXTS.length);
    expect(socketEntries.map((e) => e.text)).toEqual(TEXTS.map((t) => t.replace("\u0007", "")));
    expect(await overSexpr.until(TEXTS.length)).toEqual(socketEntries);
    expect(await overJson.until(TEXTS.length)).toEqual(socketEntries);
    // Each post resolved with the position its entry shows.
    expect(results.map((r) => r.pos)).toEqual(socketEntries.map((e) => e.pos));
    // And those are the room's: what a plain comet client reads after the position before each.
    const cometUri = `${url}comet`;
    const ping = await observeJson(cometUri, null, 0, { timeoutMs: 5_000 });
    const log = await observeJson(cometUri, ping.cid, socketEntries[0]!.pos! - 1, { timeoutMs: 5_000 });
    expect(log.content.map((e) => [e.nick, [e.sec, e.usec], e.text])).toEqual(socketEntries.map((e) => [e.nick, e.time, e.text]));
    expect(overSocket.events.filter((e) => e.type === "entry")).toHaveLength(TEXTS.length);
  });

  it("should fall back to comet (auto) on a server that refuses WebSockets, and still read and post", async () => {
    const proxy = await startNoSocketProxy(dev.url);
    try {
      const client = await connect(roomUrl("fallback", proxy.url), { transport: "auto" });
      expect(client.transportName).toBe("comet");
      expect(proxy.upgradesRefused()).toBe(1);
      const seen = collect(client);
      const result = await client.post("fallback-bot", "through the poster");
      const [entry] = await seen.until(1);
      expect(entry).toMatchObject({ nick: "fallback-bot", text: "through the poster", pos: result.pos });
      expect(seen.events.filter((e) => e.type === "connection").map((e) => e.type === "connection" && [e.state, e.transport])).toEqual([
        ["connecting", "ws"],
        ["connecting", "comet"],
        ["connected", "comet"],
      ]);
      client.close();
    } finally {
      await proxy.close();
    }
  });

  it("should fail to connect with transport ws where WebSockets are refused", async () => {
    const proxy = await startNoSocketProxy(dev.url);
    try {
      await expect(ChatonClient.connect(roomUrl("fallback", proxy.url), { transport: "ws" })).rejects.toThrow(/WebSocket/);
    } finally {
      await proxy.close();
    }
  });

  it("should start from the whole current log with since log, and after a position with since <pos>", async () => {
    const url = roomUrl("history");
    const poster = await connect(url, { transport: "comet" });
    for (const text of ["h1", "h2", "h3", "h4"]) await poster.post("historian", text);
    for (const transport of ["ws", "comet"] as const) {
      const whole = collect(await connect(url, { transport, since: "log" }));
      expect((await whole.until(4)).map((e) => [e.pos, e.text])).toEqual([
        [1, "h1"],
        [2, "h2"],
        [3, "h3"],
        [4, "h4"],
      ]);
      const after = collect(await connect(url, { transport, since: 2 }));
      expect((await after.until(2)).map((e) => [e.pos, e.text])).toEqual([
        [3, "h3"],
        [4, "h4"],
      ]);
    }
  });
});
