/**
 * A room past `listeners_per_object` (the test room "crowd": 2) spreads its
 * listeners over relay objects (src/room/live/relays.ts, src/relay/relay.ts):
 * every listener gets every entry once and in the room's order, in the same
 * bytes; posts on a relay's socket are stored and acked as in the room; the
 * chatters count everyone; a relay that missed a batch, or was evicted,
 * fetches what it lacks before it delivers anything after it.
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CLOSE_MOVING, type ServerFrame } from "../../src/protocol/wire";
import { encodeContent } from "../../src/room/live/news";
import { RELAY_HEADER } from "../../src/protocol/relay";
import { freshRoom, send, type TestRoom } from "../support/rooms";
import { socketClient, type Client } from "../support/socket-client";

interface Stats {
  sockets: number;
  chatters: number;
  "comet-waiting": number;
  relays: { relay: string; sockets: number; comet: number }[];
}

const stats = async (room: TestRoom) => (await (await room.fetch("var/stats")).json()) as Stats;

async function connect(room: TestRoom, p = 0, frames?: "html" | "entries"): Promise<Client> {
  const query = frames === undefined ? `p=${p}` : `p=${p}&frames=${frames}`;
  const client = socketClient(await room.fetch(`ws?${query}`, { headers: { Upgrade: "websocket", "CF-Connecting-IP": "192.0.2.5" } }));
  await client.next("hello");
  return client;
}

/**
 * A socket as the page and chaton-client keep one: when the room moves it to
 * a relay (a `moving` frame, then close 1012), it connects again at once from
 * the position it had.
 */
class Follower {
  readonly connections: Client[] = [];
  moved = 0;

  private constructor(private readonly open: (pos: number) => Promise<Client>) {}

  static async start(open: (pos: number) => Promise<Client>): Promise<Follower> {
    const follower = new Follower(open);
    await follower.connect(0);
    return follower;
  }

  private async connect(pos: number): Promise<void> {
    const client = await this.open(pos);
    this.connections.push(client);
    client.ws.addEventListener("message", (event) => {
      if (event.data !== JSON.stringify({ type: "moving" })) return;
      this.moved++;
      void this.connect(this.pos);
    });
  }

  get frames(): ServerFrame[] {
    return this.connections.flatMap((client) => client.frames);
  }

  /** The end it has had: of its last entries frame, else of its last hello. */
  get pos(): number {
    const last = this.frames.findLast((frame) => frame.type === "entries" || frame.type === "hello");
    return last === undefined ? 0 : (last as { pos: number }).pos;
  }

  close(): void {
    this.connections.at(-1)!.ws.close(1000, "bye");
  }
}

const follow = (room: TestRoom, frames?: "html" | "entries") => Follower.start((pos) => connect(room, pos, frames));

async function post(room: TestRoom, text: string): Promise<void> {
  const res = await room.post({ nick: "alice", text });
  await res.arrayBuffer();
  expect(res.status).toBe(200);
}

interface Heard {
  frames: ServerFrame[];
}

/** The texts of every entry a client was sent, in order. */
function texts(client: Heard): string[] {
  return client.frames.flatMap((frame) => (frame.type === "entries" ? (frame.entries ?? []).map((entry) => entry[2]) : []));
}

/** Waits until every client was sent the entries up to `pos`. */
async function reach(clients: Heard[], pos: number): Promise<void> {
  await expect
    .poll(() => clients.map((client) => client.frames.filter((frame) => frame.type === "entries").at(-1)?.pos ?? 0), { timeout: 3000 })
    .toEqual(clients.map(() => pos));
}

/** Two sockets the room holds itself, then a third: the room spreads, and the first two follow to relays. */
async function spread(room: TestRoom): Promise<Follower[]> {
  const followers = [await follow(room), await follow(room)];
  expect(await stats(room)).toMatchObject({ sockets: 2, relays: [] });
  followers.push(await follow(room));
  await expect.poll(() => stats(room)).toMatchObject({ sockets: 0, chatters: 3 });
  return followers;
}

const relayStub = (name: string) => env.RELAY.getByName(name);

/** The comet requests held on relays, of each relay that holds any. */
const cometOnRelays = async (room: { fetch(path: string): Promise<Response> }) =>
  ((await (await room.fetch("var/stats")).json()) as Stats).relays.map((relay) => relay.comet).filter((comet) => comet > 0);

describe("a room past listeners_per_object", () => {
  it("should hold two sockets itself, then move them and every new one to relays of two, and count every one as a chatter", async () => {
    const room = freshRoom("crowd");
    const followers = await spread(room);
    for (let i = 3; i < 7; i++) followers.push(await follow(room));
    await expect.poll(() => stats(room)).toMatchObject({ sockets: 0, chatters: 7 });
    const { relays } = await stats(room);
    expect(relays.map((relay) => relay.sockets).reduce((a, b) => a + b)).toBe(7);
    for (const relay of relays) expect(relay.sockets).toBeLessThanOrEqual(2);
    expect(followers.map((f) => f.moved)).toEqual([1, 1, 0, 0, 0, 0, 0]);
    // The room closes the sockets it moved with 1012 (after the frame that says so).
    for (const follower of followers.slice(0, 2)) expect(await follower.connections[0]!.closed).toMatchObject({ code: CLOSE_MOVING });
    // Everyone hears the same count, and every entry once, however they came.
    await post(room, "hello all");
    await post(room, "again");
    await reach(followers, 2);
    for (const follower of followers) {
      expect(texts(follower)).toEqual(["hello all", "again"]);
      expect(follower.frames.filter((f) => f.type === "entries").at(-1)).toMatchObject({ nc: 7 });
    }

    // Leaving lowers the count; a relay that holds nobody is forgotten.
    for (const follower of followers.slice(2)) follower.close();
    await expect.poll(() => stats(room)).toMatchObject({ chatters: 2 });
    await room.inside((r) => r.clock.advance(11_000));
    await post(room, "who is left");
    await expect.poll(async () => (await stats(room)).relays.length).toBeLessThanOrEqual(2);
    expect((await stats(room)).relays.map((relay) => relay.sockets).reduce((a, b) => a + b)).toBe(2);
  });

  it("should send a relay's sockets every entry once, in order, in the bytes the room renders", async () => {
    const room = freshRoom("crowd");
    await spread(room);
    const pages = await connect(room, 0, "html");
    const api = await connect(room, 0, "entries");
    const both = await connect(room);
    for (let i = 1; i <= 12; i++) await post(room, `entry ${i} <b>&`);
    await reach([pages, api, both], 12);
    // Each frame as the room encodes the same entries: the HTML continues its groups on a relay as in the room.
    const frames = (client: Client) => client.frames.filter((frame) => frame.type === "entries") as Extract<ServerFrame, { type: "entries" }>[];
    const expected = await room.inside((r) => {
      const log = r.log.all();
      const render = { roomUrl: "/crowd/", imageMaxPx: 400 };
      return frames(pages).map((frame, i, all) => {
        const from = i === 0 ? 0 : all[i - 1]!.pos;
        const entries = log.filter((e) => e.seq > from && e.seq <= frame.pos);
        return {
          html: JSON.parse(encodeContent("html", entries, log.find((e) => e.seq === from) ?? null, render).text) as string,
          entries: JSON.parse(encodeContent("json", entries, null, render).text) as unknown,
        };
      });
    });
    expect(frames(pages).map((frame) => frame.html)).toEqual(expected.map((e) => e.html));
    expect(frames(api).map((frame) => frame.entries)).toEqual(frames(both).map((frame) => frame.entries));
    expect(frames(both).map((frame) => frame.html)).toEqual(frames(pages).map((frame) => frame.html));
    expect(texts(both)).toEqual(Array.from({ length: 12 }, (_, i) => `entry ${i + 1} <b>&`));

    // A socket that joins a relay behind the end is sent what it missed, as the room encodes it.
    const late = await connect(room, 5, "entries");
    await reach([late], 12);
    const missed = await room.inside((r) => JSON.parse(r.news.encodeSince(5, "json").text) as unknown);
    expect(frames(late)[0]!.entries).toEqual(missed);
    expect(texts(late)[0]).toBe("entry 6 <b>&");
  });

  it("should store a post made on a relay's socket through the room's write path, and ack it after its entries frame", async () => {
    const room = freshRoom("crowd");
    await spread(room);
    const onRelay = await connect(room);
    onRelay.send({ type: "post", id: "r1", nick: "bob", text: "from a relay", msgid: "m-1" });
    const ack = await onRelay.next("ack");
    expect(ack).toMatchObject({ id: "r1", stored: true, pos: 1 });
    expect(ack.permalink).toMatch(/^a\/\d{4}\/\d{2}\/\d{2}#entry-/);
    expect(ack.secret).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const order = onRelay.frames.map((frame) => frame.type).filter((type) => type === "entries" || type === "ack");
    expect(order).toEqual(["entries", "ack"]);
    // The same msgid again is the same post.
    onRelay.send({ type: "post", id: "r2", nick: "bob", text: "from a relay", msgid: "m-1" });
    expect(await onRelay.next("ack")).toMatchObject({ id: "r2", stored: true, pos: 1, permalink: ack.permalink });
    expect(await room.inside((r) => r.log.all().map((e) => [e.nick, e.text]))).toEqual([["bob", "from a relay"]]);
  });

  it("should hold a comet request on a relay past the limit and answer it as the room would", async () => {
    const room = freshRoom("crowd");
    await post(room, "before");
    await spread(room);
    const cid = await room.issueCid();
    const held = room.cometJson({ c: cid, p: 1 });
    await expect.poll(() => cometOnRelays(room)).toEqual([1]);
    expect((await stats(room))["comet-waiting"]).toBe(0);
    await post(room, "news <i>");
    const reply = await held;
    expect(reply).toMatchObject({ pos: 2, cid, nc: 4 });
    expect(reply.content.map((entry) => entry[2])).toEqual(["news <i>"]);
    // Asked again behind the end, it is answered at once with what it missed.
    expect((await room.cometJson({ c: cid, p: 0 })).content.map((entry) => entry[2])).toEqual(["before", "news <i>"]);
  });

  it("should count a comet client once however often it asks: its next request ends the hold a relay had for it", async () => {
    const room = freshRoom("crowd");
    await spread(room);
    const cid = await room.issueCid();
    const asked: Promise<Response>[] = [];
    for (let i = 0; i < 4; i++) {
      asked.push(room.fetch(`comet?s=0&c=${cid}&p=0`));
      await expect.poll(() => cometOnRelays(room)).toEqual([1]);
    }
    await post(room, "news");
    const replies = (await Promise.all(asked.map(async (res) => (await res).json()))) as { pos: number; content: unknown[] }[];
    // The earlier requests, given up on, were answered with a ping; the last with the news.
    expect(replies.map((reply) => [reply.pos, reply.content.length])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
      [1, 1],
    ]);
  });

  it("should deliver a batch a relay missed before the next one, each entry once", async () => {
    const room = freshRoom("crowd");
    await spread(room);
    const relayed = await connect(room);
    await post(room, "one");
    await reach([relayed], 1);
    // The next two batches are lost on their way to the relay (one alone would come with the next, which starts at the entry before it).
    await room.inside((r) => {
      const hub = r["configured"]!.relays as unknown as { room: { peer(index: number): unknown } };
      const peer = hub.room.peer.bind(hub.room);
      let lost = 0;
      hub.room.peer = (index) => {
        if (lost === 2) return peer(index);
        lost++;
        return { news: () => Promise.reject(new Error("lost on its way")) };
      };
    });
    await post(room, "two");
    await post(room, "three");
    await post(room, "four");
    await reach([relayed], 4);
    expect(texts(relayed)).toEqual(["one", "two", "three", "four"]);
  });

  it("should lose nothing when a relay is evicted between two posts, and go on taking its sockets' posts", async () => {
    const room = freshRoom("crowd");
    await spread(room);
    const relayed = await connect(room, 0, "entries");
    await post(room, "before eviction");
    await reach([relayed], 1);
    // Every relay, the one of this socket among them: each wakes knowing nothing but its room.
    for (const { relay } of (await stats(room)).relays) await evictDurableObject(relayStub(relay));
    await post(room, "after eviction");
    await reach([relayed], 2);
    relayed.send({ type: "post", id: "p", nick: "bob", text: "still here" });
    expect(await relayed.next("ack")).toMatchObject({ stored: true, pos: 3 });
    await reach([relayed], 3);
    expect(texts(relayed)).toEqual(["before eviction", "after eviction", "still here"]);
  });
});

describe("what else reaches a relay's listeners", () => {
  it("should tell a deletion to the sockets and waiting pages on relays, and send what follows from the log without it", async () => {
    const room = freshRoom("crowd");
    await spread(room);
    const relayed = await connect(room, 0, "html");
    relayed.send({ type: "post", id: "d", nick: "bob", text: "to be deleted" });
    const ack = await relayed.next("ack");
    await post(room, "kept");
    await reach([relayed], 2);
    const cid = await room.issueCid();
    const page = room.fetch(`comet?c=${cid}&p=2`);
    await expect.poll(() => cometOnRelays(room)).toEqual([1]);

    const deleted = await room.fetch("delete", { method: "POST", body: new URLSearchParams({ permalink: ack.permalink!, secret: ack.secret! }) });
    expect(deleted.status).toBe(200);
    await deleted.arrayBuffer();
    const anchor = ack.permalink!.slice(ack.permalink!.indexOf("#") + 1);
    expect(await relayed.next("deleted")).toEqual({ type: "deleted", anchor });
    // A page waiting on a relay is answered with the marker it acts on, at its position.
    const reply = (await (await page).json()) as { pos: number; content: string };
    expect(reply.pos).toBe(2);
    expect(reply.content).toContain(anchor);

    // A socket joining from the start now gets the log without it.
    const late = await connect(room, 0, "entries");
    await reach([late], 2);
    expect(texts(late)).toEqual(["kept"]);
  });

  it("should be reached through the Worker, which follows the room to the relay and never passes the relay's name on", async () => {
    const opened: Response[] = [];
    const open = async (pos: number) => {
      const res = await send(`/crowd/ws?p=${pos}`, { headers: { Upgrade: "websocket" } });
      opened.push(res);
      const client = socketClient(res);
      await client.next("hello");
      return client;
    };
    const clients: Follower[] = [];
    for (let i = 0; i < 3; i++) clients.push(await Follower.start(open));
    await expect.poll(async () => ((await (await send("/crowd/var/stats")).json()) as Stats).chatters).toBe(3);
    for (const res of opened) expect(res.headers.get(RELAY_HEADER)).toBeNull();
    const login = (await (await send("/crowd/apilogin", { method: "POST", body: new URLSearchParams({ who: "bot", s: "0" }) })).json()) as {
      cid: number;
      pos: number;
    };
    const held = send(`/crowd/comet?s=0&c=${login.cid}&p=${login.pos}`);
    await expect.poll(() => cometOnRelays({ fetch: (path) => send(`/crowd/${path}`) })).toEqual([1]);
    expect((await send("/crowd/post", { method: "POST", body: new URLSearchParams({ nick: "a", text: "through the Worker" }) })).status).toBe(200);
    const reply = await held;
    expect([...reply.headers.keys()].filter((name) => name.startsWith("x-chaton"))).toEqual([]);
    expect(((await reply.json()) as { content: unknown[][] }).content.map((entry) => entry[2])).toEqual(["through the Worker"]);
    await reach(clients, login.pos + 1);
    for (const client of clients) client.close();
  });

  it("should close the sockets on relays when the room closes", async () => {
    const room = freshRoom("crowd");
    await spread(room);
    const relayed = await connect(room);
    await room.inside((r) => r["configured"]!.relays.closeAll("The room is closed"));
    expect(await relayed.closed).toMatchObject({ code: 1001, reason: "The room is closed" });
  });
});
