import { describe, expect, it } from "vitest";
import { memoryStore } from "../src/cursor.js";
import { ConnectionError } from "../src/errors.js";
import type { ChatonEvent } from "../src/events.js";
import { client, entry, reader, StubTransport } from "./support/stubs.js";

const texts = (events: ChatonEvent[]) => events.map((e) => (e.type === "entry" ? e.text : e.type));
const positions = (events: ChatonEvent[]) => events.map((e) => (e.type === "entry" ? e.pos : null));

describe("the client's events", () => {
  it("should give each entry its position, time and permalink", async () => {
    const comet = new StubTransport("comet");
    const room = client({ comet, start: { pos: 10 } });
    const events = reader(room.events());
    const link = await comet.link(0);
    expect(link.pos).toBe(10);
    link.greet();
    link.sink.batch({ from: 10, end: 12, reset: false, entries: [entry("one", 1700000000, 123456), entry("two\nlines", 1700000001, 5, "bob")], nc: 2 });
    const got = await events.take(2);
    expect(got).toEqual([
      { type: "entry", nick: "alice", time: [1700000000, 123456], text: "one", pos: 11, permalink: "http://chat.test/lobby/a/2023/11/14#entry-6553f100-1e240" },
      { type: "entry", nick: "bob", time: [1700000001, 5], text: "two\nlines", pos: 12, permalink: "http://chat.test/lobby/a/2023/11/14#entry-6553f101-05" },
    ]);
    room.close();
  });

  it("should report connecting, connected and a change of chatters, but not the same number twice", async () => {
    const comet = new StubTransport("comet");
    const room = client({ comet });
    const events = reader(room.events());
    const link = await comet.link(0);
    link.greet();
    link.sink.presence(3);
    link.sink.presence(3);
    link.sink.presence(4);
    const got = [await events.next(), await events.next(), await events.next(), await events.next()];
    expect(got).toEqual([
      { type: "connection", state: "connecting", transport: "comet" },
      { type: "connection", state: "connected", transport: "comet" },
      { type: "presence", nc: 3 },
      { type: "presence", nc: 4 },
    ]);
    room.close();
  });

  it("should resume a lost link from the last position received, after a back-off delay, with no gap and no duplicate", async () => {
    const comet = new StubTransport("comet");
    const room = client({ comet, start: { pos: 10 } });
    const events = reader(room.events());
    const first = await comet.link(0);
    first.greet();
    first.sink.batch({ from: 10, end: 12, reset: false, entries: [entry("a", 100), entry("b", 101)], nc: 1 });
    first.drop("server went away");
    const second = await comet.link(1);
    expect(second.pos).toBe(12);
    second.greet();
    second.sink.batch({ from: 12, end: 13, reset: false, entries: [entry("c", 102)], nc: 1 });
    const all: ChatonEvent[] = [];
    while (all.filter((e) => e.type === "entry").length < 3) all.push(await events.next());
    expect(texts(all.filter((e) => e.type === "entry"))).toEqual(["a", "b", "c"]);
    expect(positions(all.filter((e) => e.type === "entry"))).toEqual([11, 12, 13]);
    expect(all).toContainEqual({ type: "connection", state: "lost", transport: "comet", retryInMs: 1, reason: "server went away" });
    room.close();
  });

  it("should wait longer after each failed attempt, up to the maximum, and start again after a greeting", async () => {
    const comet = new StubTransport("comet");
    const room = client({ comet });
    const events = reader(room.events());
    for (let n = 0; n < 5; n++) (await comet.link(n)).drop("refused");
    const greeted = await comet.link(5);
    greeted.greet();
    greeted.drop("dropped after a greeting");
    (await comet.link(6)).drop("refused");
    const delays: number[] = [];
    while (delays.length < 7) {
      const event = await events.next();
      if (event.type === "connection" && event.state === "lost") delays.push(event.retryInMs!);
    }
    expect(delays).toEqual([1, 2, 4, 8, 8, 1, 2]);
    room.close();
  });

  it("should announce a reset and number the whole log it brings from the start", async () => {
    const comet = new StubTransport("comet");
    const room = client({ comet, start: { pos: 50 } });
    const events = reader(room.events());
    const link = await comet.link(0);
    link.greet();
    link.sink.batch({ from: 50, end: 3, reset: true, entries: [entry("x", 1), entry("y", 2), entry("z", 3)], nc: 1 });
    const got = await events.take(4);
    expect(got[0]).toEqual({ type: "reset", pos: 3 });
    expect(texts(got.slice(1))).toEqual(["x", "y", "z"]);
    expect(positions(got.slice(1))).toEqual([1, 2, 3]);
    link.drop();
    expect((await comet.link(1)).pos).toBe(3);
    room.close();
  });

  it("should number only the last entry of a batch with a gap, and resume inside it by time", async () => {
    const comet = new StubTransport("comet");
    const store = memoryStore();
    const room = client({ comet, store, start: { pos: 100 } });
    const events = reader(room.events());
    const link = await comet.link(0);
    link.greet();
    // An original server: positions are byte offsets, so three entries span 300 bytes.
    const batch = { from: 100, end: 400, reset: false, entries: [entry("p", 10), entry("q", 11), entry("r", 12)], nc: 1 };
    link.sink.batch(batch);
    const [p, q] = await events.take(2);
    expect(positions([p!, q!])).toEqual([null, null]);
    // Asking for the next event saves the cursor of the last one handled (q).
    void events.next().catch(() => {});
    await new Promise((r) => setTimeout(r, 10));
    expect(store.cursor).toEqual({ pos: 100, after: [11, 0] });
    room.close();

    // Restarted: asks from the batch's start again and drops what it had delivered.
    const comet2 = new StubTransport("comet");
    const again = client({ comet: comet2, store, start: (await store.load())! });
    const events2 = reader(again.events());
    const link2 = await comet2.link(0);
    expect(link2.pos).toBe(100);
    link2.greet();
    link2.sink.batch(batch);
    const [r] = await events2.take(1);
    expect(r).toMatchObject({ type: "entry", text: "r", pos: 400 });
    again.close();
  });

  it("should save each entry's cursor to the store once the next event is asked for", async () => {
    const comet = new StubTransport("comet");
    const store = memoryStore();
    const room = client({ comet, store, start: { pos: 0 } });
    const iterator = room.events();
    const events = reader(iterator);
    const link = await comet.link(0);
    link.greet();
    link.sink.batch({ from: 0, end: 2, reset: false, entries: [entry("a", 1), entry("b", 2)], nc: 1 });
    await events.take(1);
    expect(store.cursor).toBeNull();
    await events.take(1);
    expect(store.cursor).toEqual({ pos: 1 });
    expect(room.cursor).toEqual({ pos: 1 });
    void iterator.next();
    await new Promise((r) => setTimeout(r, 10));
    expect(store.cursor).toEqual({ pos: 2 });
    room.close();
  });

  it("should tell a deleted entry by its permalink", async () => {
    const socket = new StubTransport("ws");
    const comet = new StubTransport("comet");
    const room = client({ socket, comet });
    const begun = room.begin();
    const link = await socket.link(0);
    link.greet();
    await begun;
    const events = reader(room.events());
    link.sink.deleted("entry-6553f100-1e240");
    expect(await events.take(1)).toEqual([{ type: "deleted", permalink: "http://chat.test/lobby/a/2023/11/14#entry-6553f100-1e240" }]);
    room.close();
  });

  it("should end the events when closed", async () => {
    const comet = new StubTransport("comet");
    const room = client({ comet });
    const iterator = room.events();
    expect(await iterator.next()).toMatchObject({ value: { type: "connection", state: "connecting" } });
    const next = iterator.next();
    room.close();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(comet.links[0]!.sent).toEqual([]);
  });

  it("should refuse a second loop over the events", async () => {
    const room = client({ comet: new StubTransport("comet") });
    room.events();
    expect(() => room.events()).toThrow(/only once/);
    room.close();
  });
});

describe("choosing the transport", () => {
  it("should use comet when the first socket never says hello (auto)", async () => {
    const socket = new StubTransport("ws");
    const comet = new StubTransport("comet");
    const room = client({ socket, comet, mode: "auto", start: { pos: 7 } });
    const begun = room.begin();
    (await socket.link(0)).drop("the room refused the socket");
    await begun;
    expect(room.transportName).toBe("comet");
    const events = reader(room.events());
    const link = await comet.link(0);
    expect(link.pos).toBe(7);
    const seen = [await events.next(), await events.next()];
    expect(seen[1]).toMatchObject({ type: "connection", state: "connecting", transport: "comet" });
    room.close();
  });

  it("should fail to connect when sockets were asked for and the room refuses them (ws)", async () => {
    const socket = new StubTransport("ws");
    const room = client({ socket, comet: new StubTransport("comet"), mode: "ws" });
    const begun = room.begin();
    (await socket.link(0)).drop("the room refused the socket");
    await expect(begun).rejects.toBeInstanceOf(ConnectionError);
  });

  it("should keep the socket through an outage and move to comet only when plain HTTP answers while sockets do not", async () => {
    const socket = new StubTransport("ws");
    const comet = new StubTransport("comet");
    let httpUp = false;
    const room = client({
      socket,
      comet,
      mode: "auto",
      relogin: async () => {
        if (!httpUp) throw new ConnectionError("down");
        return (await import("./support/stubs.js")).session();
      },
    });
    const begun = room.begin();
    const first = await socket.link(0);
    first.greet();
    await begun;
    const events = room.events();
    void events.next();
    first.drop("server killed");
    // The whole server is down: sockets and HTTP fail alike, so the client keeps trying sockets.
    for (let n = 1; n <= 4; n++) (await socket.link(n)).drop("refused");
    const fifth = await socket.link(5);
    expect(room.transportName).toBe("ws");
    // Now HTTP answers and sockets still do not: something between refuses them.
    httpUp = true;
    fifth.drop("refused");
    await comet.link(0);
    expect(socket.links).toHaveLength(6);
    expect(room.transportName).toBe("comet");
    room.close();
  });
});
