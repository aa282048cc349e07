import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CLIENT_POST_BURST, CLIENT_POSTS_PER_MINUTE, MAX_FRAME_BYTES } from "../../src/protocol/limits";
import type { ServerFrame } from "../../src/protocol/wire";
import type { Room } from "../../src/room/room";
import { parseHtml } from "../support/html";
import { ORIGIN } from "../support/rooms";
import { socketClient, type Client } from "../support/socket-client";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function roomStub() {
  return env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID()));
}

async function connect(stub: DurableObjectStub, p = 0, room = "lobby", frames?: "html" | "entries"): Promise<Client> {
  const query = frames === undefined ? `p=${p}` : `p=${p}&frames=${frames}`;
  const res = await stub.fetch(`${ORIGIN}/${room}/ws?${query}`, { headers: { Upgrade: "websocket", "CF-Connecting-IP": "192.0.2.5" } });
  return socketClient(res);
}

/** Posts over HTTP and reads the whole answer (an unread body would keep the room from being evicted). */
async function post(stub: DurableObjectStub, text: string, nick = "alice"): Promise<Response> {
  const res = await stub.fetch(`${ORIGIN}/lobby/post`, { method: "POST", body: new URLSearchParams({ nick, text }) });
  await res.arrayBuffer();
  return res;
}

describe("the room's WebSocket", () => {
  it("should say hello with a client id, the version, the chatters and the position", async () => {
    const stub = roomStub();
    await post(stub, "before");
    const client = await connect(stub, 1);
    const hello = await client.next("hello");
    expect(hello).toMatchObject({ type: "hello", pos: 1, nc: 1 });
    expect(hello.cid).toBeGreaterThan(0);
    expect(hello.ver).toMatch(/^[0-9a-f]{12}$/);
    expect(client.frames.filter((f) => f.type === "entries")).toEqual([]);
  });

  it("should send a socket that joins its hello first, and the others the new count", async () => {
    const stub = roomStub();
    const first = await connect(stub);
    await first.next("hello");
    const second = await connect(stub);
    await second.next("hello");
    // Within the presence interval of the first one joining: told when it ends.
    expect(await first.next("presence", 4000)).toEqual({ type: "presence", nc: 2 });
    expect(first.frames[0]).toMatchObject({ type: "hello", nc: 1 });
    expect(second.frames[0]).toMatchObject({ type: "hello", nc: 2 });
  });

  it("should send the whole current log to a socket at position 0, then live entries", async () => {
    const stub = roomStub();
    await post(stub, "one");
    await post(stub, "two");
    const client = await connect(stub, 0);
    const backlog = await client.next("entries");
    expect(backlog).toMatchObject({ pos: 2, reset: false });
    expect(backlog.entries.map((e) => e[2])).toEqual(["one", "two"]);
    expect(backlog.html).toContain('data-seq="2"');
    await post(stub, "three <b>");
    const live = await client.next("entries");
    expect(live.pos).toBe(3);
    expect(live.entries.map((e) => e[2])).toEqual(["three <b>"]);
    expect(live.html).toContain("three &lt;b&gt;");
  });

  it("should answer a peer's Close, with a code or without one, and count the socket gone", async () => {
    const stub = roomStub();
    const [coded, codeless] = [await connect(stub), await connect(stub)];
    await coded.next("hello");
    await codeless.next("hello");
    coded.ws.close(1000, "bye");
    codeless.ws.close();
    const within = (closed: Promise<{ code: number }>) => Promise.race([closed, sleep(1_000).then(() => "no close within 1 s")]);
    expect(await within(coded.closed)).toMatchObject({ code: 1000 });
    expect(await within(codeless.closed)).toMatchObject({ code: 1005 });
    await expect.poll(() => runInDurableObject(stub, (room: Room) => room.clients.sockets)).toBe(0);
  });

  it("should give a socket that reconnects with its position exactly what it missed", async () => {
    const stub = roomStub();
    await post(stub, "seen");
    const first = await connect(stub, 0);
    const { pos } = await first.next("entries");
    first.ws.close(1000, "bye");
    for (let i = 1; i <= 5; i++) await post(stub, `missed ${i}`);
    const again = await connect(stub, pos);
    const missed = await again.next("entries");
    expect(missed.entries.map((e) => e[2])).toEqual(["missed 1", "missed 2", "missed 3", "missed 4", "missed 5"]);
    expect(missed.pos).toBe(pos + 5);
  });

  it("should send the whole log, marked reset, to a socket whose position is past the end", async () => {
    const stub = roomStub();
    await post(stub, "only");
    const client = await connect(stub, 99);
    expect(await client.next("entries")).toMatchObject({ reset: true, pos: 1, entries: [["alice", expect.anything(), "only"]] });
  });

  it("should store a post sent over the socket with the poster's rules and acknowledge it with its position", async () => {
    const stub = roomStub();
    const a = await connect(stub);
    const b = await connect(stub);
    a.send({ type: "post", id: "m1", nick: "  sock ", text: "hi\u0001 there  " });
    expect(await a.next("ack")).toEqual({
      type: "ack",
      id: "m1",
      stored: true,
      pos: 1,
      permalink: expect.stringMatching(/^a\/\d{4}\/\d\d\/\d\d#entry-/),
      secret: expect.any(String),
    });
    // The poster's own socket hears its entry before its ack.
    expect(a.frames.findIndex((f) => f.type === "entries")).toBeLessThan(a.frames.findIndex((f) => f.type === "ack"));
    const seen = await b.next("entries");
    expect(seen.entries).toEqual([["sock", expect.anything(), "hi there"]]);
    a.send({ type: "post", id: "m2", nick: "sock", text: "   " });
    expect(await a.next("ack")).toEqual({ type: "ack", id: "m2", stored: false, pos: 1 });
    const ip = await runInDurableObject(stub, (room: Room) => room.log.at(1)!.ip);
    expect(ip).toBe("192.0.2.5");
  });

  it("should answer frames that are not JSON, of an unknown type or a malformed post with an error frame", async () => {
    const stub = roomStub();
    const client = await connect(stub);
    client.send("not json");
    expect(await client.next("error")).toMatchObject({ code: "bad-frame" });
    client.send({ type: "shout", id: "x" });
    expect(await client.next("error")).toMatchObject({ code: "unknown-type", id: "x" });
    client.send({ type: "post", nick: 3, text: null });
    expect(await client.next("error")).toMatchObject({ code: "bad-post" });
    client.send("null");
    expect(await client.next("error")).toMatchObject({ code: "unknown-type" });
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("should close with 1003 on a binary frame and 1009 on an oversized one", async () => {
    const stub = roomStub();
    const binary = await connect(stub);
    binary.ws.send(new Uint8Array([1, 2, 3]));
    expect((await binary.closed).code).toBe(1003);
    const big = await connect(stub);
    big.send({ type: "post", nick: "a", text: "x".repeat(MAX_FRAME_BYTES) });
    expect((await big.closed).code).toBe(1009);
  });

  it("should rate-limit a post flood and close a frame flood with 1008", async () => {
    const stub = roomStub();
    // The default figures (the test pool lifts them for tests that post fast).
    await stub.fetch(`${ORIGIN}/lobby/var/seq`);
    await runInDurableObject(stub, (room: Room) => {
      room.admission.limits = { ...room.admission.limits, clientBurst: CLIENT_POST_BURST, clientPerMinute: CLIENT_POSTS_PER_MINUTE };
    });
    const poster = await connect(stub);
    for (let i = 0; i < CLIENT_POST_BURST + 3; i++) poster.send({ type: "post", id: `p${i}`, nick: "f", text: `flood ${i}` });
    const limited = await poster.next("error");
    expect(limited).toMatchObject({ code: "rate-limited" });
    expect(limited.retryAfter).toBeGreaterThanOrEqual(1);
    expect(await runInDurableObject(stub, (room: Room) => room.log.end)).toBe(CLIENT_POST_BURST);

    const flooder = await connect(stub);
    for (let i = 0; i < 200; i++) flooder.send("x");
    expect((await flooder.closed).code).toBe(1008);
    // The room is still up.
    expect((await post(stub, "still here")).status).toBe(200);
  });

  it("should count sockets and long-poll clients together as chatters, the same everywhere", async () => {
    const stub = roomStub();
    await connect(stub);
    await connect(stub);
    const login = await stub.fetch(`${ORIGIN}/lobby/apilogin`, { method: "POST", body: new URLSearchParams({ who: "bot", s: "0" }) });
    const { cid } = (await login.json()) as { cid: number };
    const status = (await (await stub.fetch(`${ORIGIN}/lobby/var/status.js`)).json()) as Record<string, number>;
    expect(status["num-chatters"]).toBe(3);
    const third = await connect(stub);
    expect((await third.next("hello")).nc).toBe(4);
    const comet = (await (await stub.fetch(`${ORIGIN}/lobby/comet?p=99&c=${cid}&s=0`)).json()) as { nc: number };
    expect(comet.nc).toBe(4);
  });

  it("should batch presence: a crowd joining sends each socket at most a few presence frames", async () => {
    const stub = roomStub();
    const first = await connect(stub);
    const crowd = [];
    for (let i = 0; i < 40; i++) crowd.push(await connect(stub));
    await sleep(3300);
    const presence = first.frames.filter((f) => f.type === "presence");
    expect(presence.length).toBeGreaterThanOrEqual(1);
    expect(presence.length).toBeLessThanOrEqual(2);
    expect(presence.at(-1)).toEqual({ type: "presence", nc: 41 });
  });

  it("should answer a ping with pong without the room's code", async () => {
    const stub = roomStub();
    const client = await connect(stub);
    const pong = new Promise<string>((resolve) => client.ws.addEventListener("message", (e) => e.data === "pong" && resolve("pong")));
    client.frames.length = 0;
    client.ws.send("ping");
    expect(await pong).toBe("pong");
  });

  it("should keep working after the room was evicted while sockets stayed open", async () => {
    const stub = roomStub();
    await post(stub, "before eviction");
    const client = await connect(stub, 1);
    const hello = await client.next("hello");
    await evictDurableObject(stub);
    // A fresh instance: the log comes from storage, the socket and its attachment survived.
    await post(stub, "after eviction");
    const entries = await client.next("entries");
    expect(entries).toMatchObject({ pos: 2, entries: [["alice", expect.anything(), "after eviction"]] });
    client.send({ type: "post", id: "z", nick: "sock", text: "from the socket" });
    expect(await client.next("ack")).toMatchObject({ stored: true, pos: 3 });
    const state = await runInDurableObject(stub, (room: Room) => ({
      sockets: room.clients.sockets,
      cids: room["ctx"].getWebSockets().map((ws) => (ws.deserializeAttachment() as { cid: number }).cid),
    }));
    expect(state).toEqual({ sockets: 1, cids: [hello.cid] });
  });

  it("should refuse a plain GET on ws with 426", async () => {
    const res = await roomStub().fetch(`${ORIGIN}/lobby/ws`);
    expect(res.status).toBe(426);
  });
});

describe("what a socket asks for with frames", () => {
  /** The raw entries frames a client got, in order. */
  const entriesFrames = (client: Client) => client.raw.filter((frame) => (JSON.parse(frame) as ServerFrame).type === "entries");

  /** Waits until every client has `count` entries frames. */
  async function entriesReach(clients: Client[], count: number): Promise<void> {
    for (let i = 0; i < 200 && clients.some((c) => entriesFrames(c).length < count); i++) await sleep(10);
    for (const client of clients) expect(entriesFrames(client)).toHaveLength(count);
  }

  it("should send a page socket only the rendered HTML, an API socket only the entries, and a socket that asks nothing both", async () => {
    const stub = roomStub();
    const page = await connect(stub, 0, "lobby", "html");
    const api = await connect(stub, 0, "lobby", "entries");
    const plain = await connect(stub, 0);
    await post(stub, "hello <world>");
    await entriesReach([page, api, plain], 1);

    const pageFrame = JSON.parse(entriesFrames(page)[0]!) as Record<string, unknown>;
    expect(Object.keys(pageFrame).sort()).toEqual(["html", "nc", "pos", "reset", "type"]);
    expect(pageFrame).toMatchObject({ type: "entries", pos: 1, nc: 3, reset: false });
    const { elements, text } = await parseHtml(pageFrame["html"] as string);
    expect(elements.find((e) => e.tag === "div" && e.attrs["class"] === "entry")?.attrs["data-seq"]).toBe("1");
    expect(elements.some((e) => e.tag === "world")).toBe(false);
    expect(text).toContain("hello &lt;world&gt;");

    const apiFrame = JSON.parse(entriesFrames(api)[0]!) as Record<string, unknown>;
    expect(Object.keys(apiFrame).sort()).toEqual(["entries", "nc", "pos", "reset", "type"]);
    expect(apiFrame).toMatchObject({
      type: "entries",
      pos: 1,
      nc: 3,
      reset: false,
      entries: [["alice", [expect.any(Number), expect.any(Number)], "hello <world>"]],
    });

    // Without the parameter, the frame is today's: both parts, which are exactly what the others got.
    const plainFrame = JSON.parse(entriesFrames(plain)[0]!) as Record<string, unknown>;
    expect(Object.keys(plainFrame).sort()).toEqual(["entries", "html", "nc", "pos", "reset", "type"]);
    expect(plainFrame["html"]).toBe(pageFrame["html"]);
    expect(plainFrame["entries"]).toEqual(apiFrame["entries"]);
  });

  it("should send every socket of a kind the same bytes, each part encoded once per post", async () => {
    const stub = roomStub();
    const clients = [];
    for (const frames of ["html", "html", "entries", "entries", undefined, undefined] as const) clients.push(await connect(stub, 0, "lobby", frames));
    const encodings = () => runInDurableObject(stub, (room: Room) => room.news.encodings);
    const before = await encodings();
    await post(stub, "one post for six sockets");
    await entriesReach(clients, 1);
    // One JSON encoding and one HTML rendering, whatever the number of sockets.
    expect((await encodings()) - before).toBe(2);
    const bytes = clients.map((client) => entriesFrames(client)[0]);
    expect(bytes[0]).toBe(bytes[1]);
    expect(bytes[2]).toBe(bytes[3]);
    expect(bytes[4]).toBe(bytes[5]);
    expect(new Set(bytes).size).toBe(3);
  });

  it("should encode only the part that sockets listen for", async () => {
    const stub = roomStub();
    const api = [await connect(stub, 0, "lobby", "entries"), await connect(stub, 0, "lobby", "entries")];
    const before = await runInDurableObject(stub, (room: Room) => room.news.encodings);
    await post(stub, "entries only");
    await entriesReach(api, 1);
    expect((await runInDurableObject(stub, (room: Room) => room.news.encodings)) - before).toBe(1);
  });

  it("should send what came after p in the kind the socket asked for", async () => {
    const stub = roomStub();
    await post(stub, "earlier");
    await post(stub, "later");
    const page = await connect(stub, 1, "lobby", "html");
    const api = await connect(stub, 1, "lobby", "entries");
    const pageBacklog = (await page.next("entries")) as unknown as Record<string, unknown>;
    const apiBacklog = (await api.next("entries")) as unknown as Record<string, unknown>;
    expect(pageBacklog).not.toHaveProperty("entries");
    expect((await parseHtml(pageBacklog["html"] as string)).text).toContain("later");
    expect((await parseHtml(pageBacklog["html"] as string)).text).not.toContain("earlier");
    expect(apiBacklog).not.toHaveProperty("html");
    expect(apiBacklog).toMatchObject({ pos: 2, entries: [["alice", expect.anything(), "later"]] });
  });

  it("should keep telling every kind of socket of deletions and presence", async () => {
    const stub = roomStub();
    const posted = await stub.fetch(`${ORIGIN}/lobby/post`, {
      method: "POST",
      headers: { Accept: "application/json" },
      body: new URLSearchParams({ nick: "alice", text: "to be deleted" }),
    });
    const grant = (await posted.json()) as { permalink: string; secret: string };
    const page = await connect(stub, 1, "lobby", "html");
    const api = await connect(stub, 1, "lobby", "entries");
    const deleted = await stub.fetch(`${ORIGIN}/lobby/delete`, { method: "POST", body: new URLSearchParams(grant) });
    expect(deleted.status).toBe(200);
    await deleted.arrayBuffer();
    const anchor = grant.permalink.split("#")[1];
    expect(await page.next("deleted")).toEqual({ type: "deleted", anchor });
    expect(await api.next("deleted")).toEqual({ type: "deleted", anchor });
    const third = await connect(stub, 1);
    expect(await third.next("hello")).toMatchObject({ nc: 3 });
    // Presence is batched: the change reaches both within the interval.
    const heardThree = (client: Client) => client.frames.some((f) => f.type === "presence" && f.nc === 3);
    for (let i = 0; i < 500 && !(heardThree(page) && heardThree(api)); i++) await sleep(10);
    expect([heardThree(page), heardThree(api)]).toEqual([true, true]);
  });

  it("should give a socket that joins while a post waits for its commit that post once, in its backlog", async () => {
    const stub = roomStub();
    await post(stub, "seen");
    const frames = await runInDurableObject(stub, async (room: Room) => {
      const parts = room["room"]();
      // Stored, and told only once its write is durable: the socket joins in between.
      parts.writePath.submit({ nick: "bob", text: "in between", ip: "192.0.2.7", msgid: null, client: null });
      const res = parts.sockets.accept(
        new Request(`${ORIGIN}/lobby/ws?p=1&frames=entries`, { headers: { Upgrade: "websocket" } }),
        new URL(`${ORIGIN}/lobby/ws?p=1&frames=entries`),
      );
      const ws = res.webSocket!;
      const got: ServerFrame<"entries">[] = [];
      ws.addEventListener("message", (event) => got.push(JSON.parse(event.data as string)));
      ws.accept();
      await parts.fanout.published();
      await sleep(100);
      ws.close(1000);
      return got;
    });
    expect(frames.filter((f) => f.type === "hello")).toEqual([expect.objectContaining({ pos: 2 })]);
    const entries = frames.filter((f) => f.type === "entries");
    expect(entries.flatMap((f) => f.entries.map((e) => e[2]))).toEqual(["in between"]);
  });

  it("should refuse frames other than html or entries with 400", async () => {
    const res = await roomStub().fetch(`${ORIGIN}/lobby/ws?p=0&frames=both`, { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("frames");
  });
});
