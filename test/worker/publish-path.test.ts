/**
 * The one publish path and the one write path. Each transport is a Listener
 * built and tested alone, with news made by hand and no room; then a post by
 * HTTP and the same post over a socket are shown to store the same entry and
 * to reach every listener with the same bytes.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Clock } from "../../src/clock";
import { writeReply, type CometFormat, type EncodedContent, type ReplyHeader } from "../../src/protocol/comet-reply";
import { encodeContent } from "../../src/room/live/news";
import type { Entry } from "../../src/protocol/entry";
import type { ServerFrame } from "../../src/protocol/wire";
import { ClientRegistry } from "../../src/room/live/clients";
import { Fanout, type News } from "../../src/room/live/fanout";
import type { NewsEncoder } from "../../src/room/live/news";
import type { Room } from "../../src/room/room";
import { LongPoll } from "../../src/room/transports/longpoll";
import { Sockets } from "../../src/room/transports/sockets";
import { WritePath } from "../../src/room/posting/write-path";
import { freshRoom, ORIGIN, type TestRoom } from "../support/rooms";

const RENDER = { roomUrl: "/lobby/", imageMaxPx: 400 };
const ENTRIES: Entry[] = [
  { seq: 1, nick: "alice", sec: 1_700_000_000, usec: 1, text: "first", ip: "192.0.2.1" },
  { seq: 2, nick: "bob", sec: 1_700_000_001, usec: 2, text: 'second <b>"&', ip: "192.0.2.2" },
];

/** News of the entries after `from`, encoded by hand and counted, with no room behind it. */
function handMadeNews(from: number, nc: number) {
  const encodings: string[] = [];
  const news: News = {
    from,
    end: ENTRIES.length,
    nc,
    encodeSince(pos: number, format: CometFormat): EncodedContent {
      encodings.push(`${pos}:${format}`);
      const since = ENTRIES.filter((e) => e.seq > pos);
      return encodeContent(format, since, ENTRIES.find((e) => e.seq === pos) ?? null, RENDER);
    },
    rowsSince: (pos) => ENTRIES.filter((e) => e.seq >= pos),
  };
  return { news, encodings };
}

describe("long-poll as a listener", () => {
  it("answers each held request behind the end with what it has not seen, and holds the one at the end", () => {
    const released: number[] = [];
    const longpoll = new LongPoll("v1", (cid) => released.push(cid));
    const answers = new Map<number, string>();
    const hold = (cid: number, pos: number, format: CometFormat) =>
      longpoll.hold({ cid, pos, format, answer: (header: ReplyHeader, content) => answers.set(cid, writeReply(header, content)) }, () => ({
        pos,
        nc: 0,
        ver: "v1",
        cid,
      }));
    hold(1, 0, "json");
    hold(2, 0, "json");
    hold(3, 1, "sexpr");
    hold(4, 2, "html");
    const { news, encodings } = handMadeNews(0, 7);
    longpoll.entries(news);
    // It asks the news for each waiter's (position, format); the news encodes each pair once.
    expect(encodings.sort()).toEqual(["0:json", "0:json", "1:sexpr"]);
    expect(JSON.parse(answers.get(1)!)).toEqual({
      pos: 2,
      nc: 7,
      ver: "v1",
      cid: 1,
      content: [
        ["alice", [1_700_000_000, 1], "first"],
        ["bob", [1_700_000_001, 2], 'second <b>"&'],
      ],
    });
    expect(answers.get(2)).toBe(answers.get(1)!.replace('"cid":1', '"cid":2'));
    expect(answers.get(3)).toBe('((pos . 2) (nc . 7) (ver . "v1") (cid . 3) (content ("bob" (1700000001 2) "second <b>\\"&")))');
    // At the end already: still held.
    expect(answers.has(4)).toBe(false);
    expect(longpoll.size).toBe(1);
    expect(released.sort()).toEqual([1, 2, 3]);
  });

  it("pings a held request when whoever holds it says its hold time has passed, and forgets one that went away, each by its own hold", () => {
    const released: number[] = [];
    const longpoll = new LongPoll("v1", (cid) => released.push(cid));
    const pinged: string[] = [];
    const hold = (cid: number, id: string) =>
      longpoll.hold({ cid, id, pos: 2, format: "json", answer: (header, content) => pinged.push(writeReply(header, content)) }, () => ({
        pos: 2,
        nc: 5,
        ver: "v1",
        cid,
      }));
    hold(1, "first");
    hold(2, "second");
    hold(3, "third");
    // Held again by the same client: the earlier hold's events no longer touch it.
    hold(1, "again");
    longpoll.expire(1, "first");
    longpoll.forget(1, "first");
    expect(pinged).toEqual([]);
    expect(longpoll.size).toBe(3);

    longpoll.expire(2, "second");
    expect(pinged).toEqual(['{"pos":2,"nc":5,"ver":"v1","cid":2,"content":[]}']);
    // Its socket closes after the answer: nothing more to do.
    longpoll.forget(2, "second");
    longpoll.expire(2, "second");
    expect(pinged).toHaveLength(1);

    longpoll.forget(3, "third");
    longpoll.expire(1, "again");
    expect(pinged[1]).toBe('{"pos":2,"nc":5,"ver":"v1","cid":1,"content":[]}');
    expect(pinged).toHaveLength(2);
    expect(released).toEqual([2, 3, 1]);
    expect(longpoll.size).toBe(0);
  });

  it("answers held pages with a deletion marker and leaves API clients waiting", () => {
    const longpoll = new LongPoll("v1", () => {});
    const answers = new Map<number, string>();
    for (const [cid, format] of [
      [1, "html"],
      [2, "json"],
    ] as const) {
      longpoll.hold({ cid, pos: 2, format, answer: (header, content) => answers.set(cid, writeReply(header, content)) }, () => ({
        pos: 2,
        nc: 0,
        ver: "v1",
        cid,
      }));
    }
    longpoll.deleted("entry-6553f100-01", 3);
    const page = JSON.parse(answers.get(1)!) as { pos: number; nc: number; content: string };
    expect(page).toMatchObject({ pos: 2, nc: 3 });
    expect(page.content).toBe('<template class="deleted" data-anchor="entry-6553f100-01"></template>');
    expect(answers.has(2)).toBe(false);
    expect(longpoll.size).toBe(1);
  });
});

/**
 * Sockets built from the listener interface alone, over a stand-in for the
 * runtime's socket list (each socket with the tag it was accepted with): what each socket was sent.
 */
function fakeSockets(count: number, tags: readonly string[] = ["both"]) {
  const sent: string[][] = Array.from({ length: count }, () => []);
  const list = sent.map((frames, i) => ({ tag: tags[i % tags.length], ws: { send: (data: string) => frames.push(data) } as unknown as WebSocket }));
  const ctx = {
    getWebSockets: (tag?: string) => list.filter((s) => tag === undefined || s.tag === tag).map((s) => s.ws),
  } as unknown as DurableObjectState;
  const clock = new Clock();
  const sockets = new Sockets({
    ctx,
    clients: new ClientRegistry(clock, count, () => {}),
    news: null as unknown as NewsEncoder,
    ver: "v1",
    clock,
    submit: () => Promise.resolve({ kind: "empty", pos: 0, grant: null }),
    publishNow: () => {},
    told: () => Promise.resolve(),
    wake: () => {},
  });
  return { sockets, sent };
}

describe("sockets as a listener", () => {
  it("sends every socket the same entries frame, made once from the news it is handed", () => {
    const { sockets, sent } = fakeSockets(3);
    const { news, encodings } = handMadeNews(0, 3);
    sockets.entries(news);
    expect(encodings.sort()).toEqual(["0:html", "0:json"]);
    expect(sent.map((frames) => frames.length)).toEqual([1, 1, 1]);
    expect(new Set(sent.map((frames) => frames[0])).size).toBe(1);
    const frame = JSON.parse(sent[0]![0]!) as Extract<ServerFrame, { type: "entries" }>;
    expect(frame).toMatchObject({ type: "entries", pos: 2, nc: 3, reset: false });
    expect(frame.entries).toEqual([
      ["alice", [1_700_000_000, 1], "first"],
      ["bob", [1_700_000_001, 2], 'second <b>"&'],
    ]);
    expect(frame.html).toContain("second &lt;b&gt;&quot;&amp;");
  });

  it("sends each kind of socket its own frame, made once per kind whatever the number of sockets", () => {
    const { sockets, sent } = fakeSockets(9, ["html", "entries", "both"]);
    const { news, encodings } = handMadeNews(1, 9);
    sockets.entries(news);
    // The html frame, the entries frame, and the frame with both: four encodings asked for, not one per socket.
    expect(encodings.sort()).toEqual(["1:html", "1:html", "1:json", "1:json"]);
    expect(sent.map((frames) => frames.length)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const byKind = (i: number) => sent.filter((_, j) => j % 3 === i).map((frames) => frames[0]);
    for (const i of [0, 1, 2]) expect(new Set(byKind(i)).size).toBe(1);
    const [html, entries, both] = [0, 1, 2].map((i) => JSON.parse(byKind(i)[0]!) as Record<string, unknown>);
    expect(html).toEqual({ type: "entries", pos: 2, nc: 9, reset: false, html: both!["html"] });
    expect(entries).toEqual({ type: "entries", pos: 2, nc: 9, reset: false, entries: [["bob", [1_700_000_001, 2], 'second <b>"&']] });
    expect(both).toEqual({ ...entries, html: both!["html"] });
    expect(both!["html"]).toContain("second &lt;b&gt;&quot;&amp;");
  });

  it("encodes nothing when no socket listens", () => {
    const { sockets } = fakeSockets(0);
    const { news, encodings } = handMadeNews(0, 0);
    sockets.entries(news);
    expect(encodings).toEqual([]);
  });

  it("tells every socket of a deletion, and of a change of chatters at most once per interval", () => {
    const { sockets, sent } = fakeSockets(2);
    sockets.deleted("entry-1-01");
    expect(sent.map((frames) => JSON.parse(frames[0]!))).toEqual([
      { type: "deleted", anchor: "entry-1-01" },
      { type: "deleted", anchor: "entry-1-01" },
    ]);
    sockets.presence();
    sockets.presence();
    expect(sent[0]!.slice(1).map((f) => JSON.parse(f))).toEqual([{ type: "presence", nc: 2 }]);
  });
});

describe("the publish path tells entries once they are durable", () => {
  /** A Fanout whose commit resolves when the test says, and what a listener heard. */
  function gated() {
    let commit!: () => void;
    const heard: { from: number; end: number }[] = [];
    const listener = { entries: (news: News) => heard.push({ from: news.from, end: news.end }), deleted: () => {}, presence: () => {} };
    let end = 5;
    const news = {
      get end() {
        return end;
      },
      encodeSince: () => ({ format: "json", text: "[]" }),
      invalidate: () => {},
    } as unknown as NewsEncoder;
    const fanout = new Fanout(
      [listener],
      news,
      () => 1,
      () => new Promise<void>((resolve) => (commit = resolve)),
    );
    return { fanout, heard, commit: () => commit(), grow: (to: number) => (end = to) };
  }

  it("tells listeners after the commit, and the writes made before it in one go", async () => {
    const { fanout, heard, commit, grow } = gated();
    fanout.entries(4);
    grow(6);
    fanout.entries(5);
    await Promise.resolve();
    expect(heard).toEqual([]);
    commit();
    await fanout.published();
    expect(heard).toEqual([{ from: 4, end: 6 }]);
  });

  it("tells at once when asked, and not again at the commit", async () => {
    const { fanout, heard, commit } = gated();
    fanout.entries(4);
    fanout.publish();
    expect(heard).toEqual([{ from: 4, end: 5 }]);
    commit();
    await fanout.published();
    expect(heard).toHaveLength(1);
  });
});

describe("one write path for every transport", () => {
  const stubOf = () => env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID()));

  /** A room with a socket and a held page request listening, and what each of them received. */
  async function listened(stub: DurableObjectStub) {
    const upgrade = await stub.fetch(`${ORIGIN}/lobby/ws?p=0`, { headers: { Upgrade: "websocket", "CF-Connecting-IP": "192.0.2.9" } });
    const ws = upgrade.webSocket!;
    const frames: string[] = [];
    ws.addEventListener("message", (event) => frames.push(event.data as string));
    ws.accept();
    const cid = await runInDurableObject(stub, (room: Room) => room.clients.issue()!);
    const held = stub.fetch(`${ORIGIN}/lobby/comet?p=0&c=${cid}&s=1`).then((res) => res.text());
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { ws, frames, held, cid };
  }

  /** Every comet format, by its `s` parameter: JSON (s=0), the S-expression (s=1), JSON whose content is HTML (no s). */
  const FORMATS = [
    ["json", "&s=0"],
    ["sexpr", "&s=1"],
    ["html", ""],
  ] as const satisfies readonly (readonly [CometFormat, string])[];

  /**
   * A fresh room with a socket and one held comet request of each format
   * listening (each on a client id of its own, held as the Worker holds it),
   * and what each of them received.
   */
  async function listenedInEveryFormat(room: TestRoom) {
    const upgrade = await room.fetch("ws?p=0", { headers: { Upgrade: "websocket", "CF-Connecting-IP": "192.0.2.9" } });
    const ws = upgrade.webSocket!;
    const frames: string[] = [];
    ws.addEventListener("message", (event) => frames.push(event.data as string));
    ws.accept();
    const held = new Map<CometFormat, { cid: number; reply: Promise<string> }>();
    for (const [format, s] of FORMATS) {
      const cid = await room.issueCid();
      held.set(format, { cid, reply: room.fetch(`comet?p=0&c=${cid}${s}`).then((res) => res.text()) });
    }
    // Every request is held in the room before anything is posted.
    let holding = 0;
    for (let i = 0; i < 100 && holding < FORMATS.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      holding = await room.inside((r) => r.longpoll.size);
    }
    expect(holding, "comet requests held").toBe(FORMATS.length);
    return { ws, frames, held };
  }

  it("stores the same entry and sends every listener the same bytes for a post by HTTP and over a socket", async () => {
    const viaHttp = freshRoom();
    const viaSocket = freshRoom();
    const a = await listenedInEveryFormat(viaHttp);
    const b = await listenedInEveryFormat(viaSocket);
    const nick = "carol";
    const text = 'same post\nover two ways <b>"&';

    const httpAck = await viaHttp.fetch("post", {
      method: "POST",
      headers: { Accept: "application/json", "CF-Connecting-IP": "192.0.2.9" },
      body: new URLSearchParams({ nick, text }),
    });
    expect(await httpAck.json()).toMatchObject({ stored: true, pos: 1 });
    b.ws.send(JSON.stringify({ type: "post", id: "p1", nick, text }));

    const stored = (room: TestRoom) => room.inside((r) => r.log.all());
    const [entriesA, entriesB] = [await stored(viaHttp), await stored(viaSocket)];
    const withoutTime = (entries: Entry[]) => entries.map(({ seq, nick, text, ip }) => ({ seq, nick, text, ip }));
    expect(withoutTime(entriesA)).toEqual([{ seq: 1, nick, text, ip: "192.0.2.9" }]);
    expect(withoutTime(entriesB)).toEqual(withoutTime(entriesA));

    const entriesFrame = (frames: string[]) => frames.find((f) => (JSON.parse(f) as ServerFrame).type === "entries");
    for (let i = 0; i < 50 && (!entriesFrame(a.frames) || !entriesFrame(b.frames)); i++) await new Promise((resolve) => setTimeout(resolve, 10));

    /** What each listener of a room received, checked byte for byte against the one rendering of the entries it stored. */
    const checkRoom = async (listened: typeof a, entries: Entry[]) => {
      const replies = new Map<CometFormat, string>();
      for (const [format, { reply }] of listened.held) replies.set(format, await reply);
      const { nc, ver } = JSON.parse(replies.get("json")!) as { nc: number; ver: string };
      expect(nc).toBeGreaterThan(0);
      const content = (format: CometFormat) => encodeContent(format, entries, null, RENDER);
      for (const [format] of FORMATS) {
        const { cid } = listened.held.get(format)!;
        expect(replies.get(format), `comet ${format}`).toBe(writeReply({ pos: 1, nc, ver, cid }, content(format)));
      }
      // The socket's frame carries the very bytes of the JSON and the HTML replies' content, html compared whole.
      const frame = entriesFrame(listened.frames)!;
      expect(frame).toBe(`{"type":"entries","pos":1,"nc":${nc},"reset":false,"entries":${content("json").text},"html":${content("html").text}}`);
      const parsed = JSON.parse(frame) as Extract<ServerFrame, { type: "entries" }>;
      const htmlReply = JSON.parse(replies.get("html")!) as { content: string };
      expect(parsed.html).toBe(htmlReply.content);
      expect(parsed.html).toContain("same post\nover two ways &lt;b&gt;&quot;&amp;");
      expect(parsed.entries).toEqual((JSON.parse(replies.get("json")!) as { content: unknown }).content);
      return { replies, nc, ver };
    };
    const heardA = await checkRoom(a, entriesA);
    const heardB = await checkRoom(b, entriesB);
    expect({ nc: heardB.nc, ver: heardB.ver }).toEqual({ nc: heardA.nc, ver: heardA.ver });
    // The two rooms differ only in the time of the post: B's entry at A's time gives A's bytes, in every format.
    const retimed = entriesB.map((e, i) => ({ ...e, sec: entriesA[i]!.sec, usec: entriesA[i]!.usec }));
    for (const [format] of FORMATS) {
      const { cid } = a.held.get(format)!;
      expect(writeReply({ pos: 1, nc: heardB.nc, ver: heardB.ver, cid }, encodeContent(format, retimed, null, RENDER)), `comet ${format}`).toBe(
        heardA.replies.get(format),
      );
    }
    // The replies of JSON and S-expression differ only in the timestamp and the client id.
    const normal = (reply: string, cid: number) =>
      reply
        .replace(/\(\d+ \d+\)|\[\d+,\d+\]/g, "T")
        .replace(`(cid . ${cid})`, "(cid . C)")
        .replace(`"cid":${cid}`, '"cid":C');
    for (const format of ["json", "sexpr"] as const) {
      expect(normal(heardB.replies.get(format)!, b.held.get(format)!.cid), format).toBe(normal(heardA.replies.get(format)!, a.held.get(format)!.cid));
    }

    const ack = b.frames.map((f) => JSON.parse(f) as ServerFrame).find((f) => f.type === "ack");
    expect(ack).toMatchObject({ type: "ack", id: "p1", stored: true, pos: 1 });
    a.ws.close(1000);
    b.ws.close(1000);
  });

  it("stores a post repeated with the same msgid once, by HTTP and over a socket alike, and answers it as the first", async () => {
    const stub = stubOf();
    const first = await stub.fetch(`${ORIGIN}/lobby/post`, {
      method: "POST",
      headers: { Accept: "application/json" },
      body: new URLSearchParams({ nick: "bot", text: "once", msgid: "m-123" }),
    });
    const firstAck = (await first.json()) as { permalink: string; secret: string };
    expect(firstAck).toMatchObject({ stored: true, pos: 1 });
    const again = await stub.fetch(`${ORIGIN}/lobby/post`, {
      method: "POST",
      headers: { Accept: "application/json" },
      body: new URLSearchParams({ nick: "bot", text: "once", msgid: "m-123" }),
    });
    expect(await again.json()).toEqual(firstAck);
    const other = await stub.fetch(`${ORIGIN}/lobby/post`, {
      method: "POST",
      headers: { Accept: "application/json" },
      body: new URLSearchParams({ nick: "someone else", text: "once", msgid: "m-123" }),
    });
    expect(await other.json()).toMatchObject({ stored: true, pos: 2 });

    const { ws, frames } = await listened(stub);
    ws.send(JSON.stringify({ type: "post", id: "r", nick: "bot", text: "once", msgid: "m-123" }));
    for (let i = 0; i < 50 && !frames.some((f) => f.includes('"ack"')); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(frames.map((f) => JSON.parse(f) as ServerFrame).find((f) => f.type === "ack")).toEqual({ type: "ack", id: "r", ...firstAck });
    expect(await runInDurableObject(stub, (room: Room) => room.log.end)).toBe(2);

    // Ten minutes later the id is forgotten.
    await runInDurableObject(stub, (room: Room) => room.clock.advance(10 * 60_000 + 1));
    const later = await stub.fetch(`${ORIGIN}/lobby/post`, {
      method: "POST",
      headers: { Accept: "application/json" },
      body: new URLSearchParams({ nick: "bot", text: "once", msgid: "m-123" }),
    });
    expect(await later.json()).toMatchObject({ stored: true, pos: 3 });
    const bad = await stub.fetch(`${ORIGIN}/lobby/post`, { method: "POST", body: new URLSearchParams({ nick: "bot", text: "x", msgid: "has space" }) });
    expect(bad.status).toBe(400);
    ws.close(1000);
  });

  it("forgets a post whose transaction failed: the next one takes its position, and no listener reads it back", async () => {
    const stub = stubOf();
    await stub.fetch(`${ORIGIN}/lobby/var/seq`);
    const read = await runInDurableObject(stub, (room: Room, state) => {
      let failing = false;
      const told: Entry[][] = [];
      const listener = { entries: (news: News) => told.push(news.rowsSince(news.from)), deleted: () => {}, presence: () => {} };
      const fanout = new Fanout([listener], room.news, () => 0);
      const hook = () => {
        if (failing) throw new Error("the outbox failed");
      };
      const writePath = new WritePath(state.storage, room.log, room.postIds, room.admission, fanout, room.authorSecrets, room.clock, [hook]);
      const submit = (text: string, ip: string) => writePath.submit({ nick: "n", text, ip, msgid: null, client: null });
      submit("kept", "192.0.2.1");
      failing = true;
      expect(() => submit("lost", "192.0.2.2")).toThrow("the outbox failed");
      failing = false;
      const next = submit("next", "192.0.2.3");
      fanout.publish();
      const table = state.storage.sql.exec<{ seq: number; text: string }>("SELECT seq, text FROM entries ORDER BY seq").toArray();
      return { next: next.kind === "stored" ? next.pos : null, table, log: room.log.since(0).map((e) => e.text), told: told.flat().map((e) => e.text) };
    });
    expect(read.table).toEqual([
      { seq: 1, text: "kept" },
      { seq: 2, text: "next" },
    ]);
    expect(read.next).toBe(2);
    expect(read.log).toEqual(["kept", "next"]);
    expect(read.told).toEqual(["kept", "next"]);
  });
});

describe("the log reads back its newest entries from memory", () => {
  it("reads what the table holds after appends, a deletion, a trim and an import", async () => {
    const stub = env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID()));
    await stub.fetch(`${ORIGIN}/lobby/var/seq`);
    const mismatches = await runInDurableObject(stub, (r: Room, state) => {
      const found: string[] = [];
      const compare = (step: string) => {
        const table = state.storage.sql
          .exec<Entry & Record<string, SqlStorageValue>>("SELECT seq, nick, sec, usec, text, ip FROM entries ORDER BY seq")
          .toArray();
        for (let pos = -1; pos <= r.log.end + 2; pos++) {
          const want = JSON.stringify(table.filter((e) => e.seq > pos));
          if (JSON.stringify(r.log.since(pos)) !== want) found.push(`${step}, since ${pos}`);
        }
      };
      const at = 1_700_000_000_000;
      for (let i = 0; i < 20; i++) r.log.append({ nick: "n", text: `entry ${i}` }, "192.0.2.1", at + i * 1000);
      compare("after 20 appends");
      const removed = r.log.since(17)[0]!;
      r.log.removeAt(removed.sec, removed.usec);
      compare("after a deletion");
      r.log.append({ nick: "n", text: "after the deletion" }, "192.0.2.1", at + 30_000);
      compare("after an append past a deletion");
      r.log.trimThrough(19);
      compare("after a trim");
      r.log.append({ nick: "n", text: "after the trim" }, "192.0.2.1", at + 31_000);
      r.log.importEntries([{ seq: 30, nick: "old", sec: 1_600_000_000, usec: 0, text: "imported", ip: "" }], 30, 1_600_000_000);
      compare("after an import");
      r.log.append({ nick: "n", text: "after the import" }, "192.0.2.1", at + 32_000);
      compare("after an append past an import");
      return found;
    });
    expect(mismatches).toEqual([]);
  });
});
