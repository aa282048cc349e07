import { describe, expect, it } from "vitest";
import { serverVersion } from "../../src/config";
import { freshRoom, settlesWithin, type TestRoom } from "../support/rooms";
import { readDatum, alistToObject } from "../../packages/client/src/sexpr";

const VER = serverVersion();
const ALICE_AT = Date.UTC(2023, 10, 14, 22, 13, 20, 123); // 1700000000.123000
const decoder = new TextDecoder();
const bodyText = async (res: Response) => decoder.decode(await res.arrayBuffer());

/** A room with three entries at fixed times: alice twice (grouped), then bob. */
async function roomWithEntries(configName = "lobby"): Promise<TestRoom> {
  const room = freshRoom(configName);
  await room.inside((context) => {
    context.log.append({ nick: "alice", text: "hello <b>&\"'" }, "192.0.2.1", ALICE_AT);
    context.log.append({ nick: "alice", text: "see https://example.com/cat.png" }, "192.0.2.1", ALICE_AT + 1000);
    context.log.append({ nick: "bob", text: 'q"b\\s\nline2\tü日本' }, "192.0.2.2", ALICE_AT + 2000);
  });
  return room;
}

describe("comet reply formats", () => {
  it("should answer s=1 with an S-expression alist, byte for byte", async () => {
    const room = await roomWithEntries();
    const cid = await room.issueCid();
    const res = await room.fetch(`comet?t=1&p=0&c=${cid}&s=1`);
    expect(res.headers.get("Content-Type")).toBe("application/x-sexpr; charset=utf-8");
    expect(res.headers.get("Cache-Control")).toBe("no-cache");
    expect(await bodyText(res)).toBe(
      `((pos . 3) (nc . 1) (ver . "${VER}") (cid . ${cid}) (content` +
        ` ("alice" (1700000000 123000) "hello <b>&\\"'")` +
        ` ("alice" (1700000001 123000) "see https://example.com/cat.png")` +
        ` ("bob" (1700000002 123000) "q\\"b\\\\s\\nline2\\tü日本")))`,
    );
  });

  it("should write content that reads back to the stored texts", async () => {
    const room = await roomWithEntries();
    const cid = await room.issueCid();
    const reply = alistToObject(readDatum(await bodyText(await room.fetch(`comet?p=1&c=${cid}&s=1`))));
    expect(reply).toEqual({
      pos: 3,
      nc: 1,
      ver: VER,
      cid,
      content: [
        ["alice", [1700000001, 123000], "see https://example.com/cat.png"],
        ["bob", [1700000002, 123000], 'q"b\\s\nline2\tü日本'],
      ],
    });
  });

  it("should answer s=0 with JSON, byte for byte", async () => {
    const room = await roomWithEntries();
    const cid = await room.issueCid();
    const res = await room.fetch(`comet?p=2&c=${cid}&s=0`);
    expect(res.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("Cache-Control")).toBe("no-cache");
    expect(await bodyText(res)).toBe(`{"pos":3,"nc":1,"ver":"${VER}","cid":${cid},"content":[["bob",[1700000002,123000],"q\\"b\\\\s\\nline2\\tü日本"]]}`);
  });

  it("should answer without s with JSON whose content is the rendered entries, byte for byte", async () => {
    const room = await roomWithEntries();
    const cid = await room.issueCid();
    const res = await room.fetch(`comet?p=0&c=${cid}`);
    expect(res.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    const html =
      '<div class="entry" id="entry-6553f100-1e078" data-seq="1"><div class="entry-header"><time class="timestamp" datetime="2023-11-14T22:13:20.123Z">2023-11-14 22:13:20 UTC</time> <span class="chatter" dir="auto">alice</span></div>' +
      '<div class="entry-body"><a class="permalink" href="/lobby/a/2023/11/14#entry-6553f100-1e078" title="Permalink">#</a><span class="entry-text" dir="auto">hello &lt;b&gt;&amp;&quot;&#39;</span></div></div>' +
      '<div class="entry" id="entry-6553f101-1e078" data-seq="2"><div class="entry-body"><a class="permalink" href="/lobby/a/2023/11/14#entry-6553f101-1e078" title="Permalink">#</a><span class="entry-text" dir="auto">see <a href="https://example.com/cat.png" rel="nofollow noopener" target="_blank"><img class="inline-image" src="https://example.com/cat.png" alt="https://example.com/cat.png" style="max-width:400px;max-height:400px" loading="lazy"></a></span></div></div>' +
      '<div class="entry" id="entry-6553f102-1e078" data-seq="3"><div class="entry-header"><time class="timestamp" datetime="2023-11-14T22:13:22.123Z">2023-11-14 22:13:22 UTC</time> <span class="chatter" dir="auto">bob</span></div>' +
      '<div class="entry-body"><a class="permalink" href="/lobby/a/2023/11/14#entry-6553f102-1e078" title="Permalink">#</a><pre class="entry-text" dir="auto">q&quot;b\\s\nline2\tü日本</pre></div></div>';
    expect(await bodyText(res)).toBe(`{"pos":3,"nc":1,"ver":"${VER}","cid":${cid},"content":${JSON.stringify(html)}}`);
  });

  it("should send an empty content in each format when there is nothing new", async () => {
    const room = freshRoom();
    const cid = await room.issueCid();
    // An unknown cid is answered at once with a ping, in each format.
    expect(await bodyText(await room.fetch(`comet?p=0&c=${cid + 1}&s=1`))).toMatch(
      /^\(\(pos \. 0\) \(nc \. 2\) \(ver \. "[^"]+"\) \(cid \. \d+\) \(content\)\)$/,
    );
    expect(await bodyText(await room.fetch(`comet?p=0&c=${cid + 1}&s=0`))).toMatch(/^\{"pos":0,"nc":\d,"ver":"[^"]+","cid":\d+,"content":\[\]\}$/);
    expect(await bodyText(await room.fetch(`comet?p=0&c=${cid + 1}`))).toMatch(/^\{"pos":0,"nc":\d,"ver":"[^"]+","cid":\d+,"content":""\}$/);
  });
});

describe("holding and waking", () => {
  it("should hold a client that has seen everything and answer it with the next post", async () => {
    const room = freshRoom();
    const cid = await room.issueCid();
    const held = room.cometJson({ p: 0, c: cid });
    expect(await settlesWithin(held, 200)).toBe("pending");
    await room.post({ nick: "bob", text: "news" });
    expect(await held).toEqual({ pos: 1, nc: 1, ver: VER, cid, content: [["bob", [expect.any(Number), expect.any(Number)], "news"]] });
  });

  it("should answer a held request with a ping when the hold time passes", async () => {
    const room = freshRoom();
    const cid = await room.issueCid();
    const started = Date.now();
    const reply = await room.cometJson({ p: 0, c: cid });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(reply).toEqual({ pos: 0, nc: 1, ver: VER, cid, content: [] });
  });

  it("should wake every waiting client with one post, encoding the news once per position and format", async () => {
    const room = freshRoom();
    await room.post({ nick: "a", text: "first" });
    const cids = await room.inside((context) => Array.from({ length: 1000 }, () => context.clients.issue()!));
    const held = cids.map((cid, i) => room.fetch(`comet?p=1&c=${cid}&s=${i % 2}`));
    for (let waited = 0; (await room.inside((context) => context.longpoll.size)) < 1000 && waited < 100; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const before = await room.inside((context) => context.news.encodings);
    await room.post({ nick: "b", text: "to everyone" });
    const replies = await Promise.all(held.map(async (res) => (await res).arrayBuffer()));
    const after = await room.inside((context) => ({ encodings: context.news.encodings, held: context.longpoll.size }));
    expect(after.encodings - before).toBe(2);
    expect(after.held).toBe(0);
    const texts = replies.map((body) => decoder.decode(body));
    expect(texts.filter((t) => t.includes('"to everyone"'))).toHaveLength(1000);
    expect(texts.filter((t) => t.startsWith("((pos . 2) (nc . 1000)"))).toHaveLength(500);
  });

  it("should count waiting and recently seen clients as chatters", async () => {
    const room = freshRoom();
    const [a, b] = [await room.issueCid(), await room.issueCid()];
    const held = room.cometJson({ p: 0, c: a });
    await settlesWithin(held, 50);
    const status = (await (await room.fetch("var/status.js")).json()) as Record<string, number>;
    expect(status["num-chatters"]).toBe(2);
    await room.post({ nick: "x", text: "y" });
    expect((await held).nc).toBe(2);
    expect(b).not.toBe(a);
  });
});

describe("client ids", () => {
  it("should give an unknown client id a fresh one in loose mode, with a ping when there is no news", async () => {
    const room = await roomWithEntries();
    const reply = await room.cometJson({ p: 3, c: 4242 });
    expect(reply.cid).not.toBe(4242);
    expect(reply.cid).toBeGreaterThan(0);
    expect(reply.cid).toBeLessThan(2 ** 28);
    expect(reply).toMatchObject({ pos: 3, content: [] });
    // The new id is known: asking with it is held until news.
    const held = room.cometJson({ p: 3, c: reply.cid });
    expect(await settlesWithin(held, 200)).toBe("pending");
    await room.post({ nick: "x", text: "news" });
    expect(await held).toMatchObject({ pos: 4, cid: reply.cid });
  });

  it("should answer a client whose id the room forgot with its entries and a new id in one reply", async () => {
    const room = await roomWithEntries();
    const cid = await room.issueCid();
    // The client comes back after the room forgot it (a restart, or a slow return under load).
    await room.inside((context) => context.clock.advance(11_000));
    const reply = await room.cometJson({ p: 1, c: cid });
    expect(reply.cid).not.toBe(cid);
    expect(reply.cid).toBeGreaterThan(0);
    expect(reply.pos).toBe(3);
    expect(reply.content.map(([nick, , text]) => [nick, text])).toEqual([
      ["alice", "see https://example.com/cat.png"],
      ["bob", 'q"b\\s\nline2\tü日本'],
    ]);
    const s1 = alistToObject(readDatum(await bodyText(await room.fetch("comet?p=2&c=999&s=1"))));
    expect(s1).toMatchObject({ pos: 3, content: [["bob", [expect.any(Number), expect.any(Number)], 'q"b\\s\nline2\tü日本']] });
    expect(s1["cid"]).not.toBe(999);
  });

  it("should give a client without an id a fresh one in loose mode", async () => {
    const room = freshRoom();
    const reply = await room.cometJson({ p: 0 });
    expect(Number.isInteger(reply.cid) && reply.cid > 0).toBe(true);
  });

  it("should answer an unknown client id with cid -1 and pos 0 in strict mode", async () => {
    const room = await roomWithEntries("strict");
    expect(await room.cometJson({ p: 2, c: 4242 })).toEqual({ pos: 0, nc: 0, ver: VER, cid: -1, content: [] });
    expect(await room.cometJson({ p: 2 })).toMatchObject({ pos: 0, cid: -1 });
    const s1 = await bodyText(await room.fetch("comet?p=2&c=4242&s=1"));
    expect(alistToObject(readDatum(s1))).toMatchObject({ pos: 0, cid: -1, content: [] });
  });

  it("should serve a client id issued by apilogin in strict mode", async () => {
    const room = await roomWithEntries("strict");
    const login = await room.fetch("apilogin", { method: "POST", body: new URLSearchParams({ who: "bot", s: "0" }) });
    const { cid, pos } = (await login.json()) as { cid: number; pos: number };
    expect(pos).toBe(3);
    const held = room.cometJson({ p: pos, c: cid });
    expect(await settlesWithin(held, 200)).toBe("pending");
    await room.post({ nick: "x", text: "for the bot" });
    expect(await held).toMatchObject({ pos: 4, cid, content: [["x", expect.anything(), "for the bot"]] });
  });

  it("should answer a duplicate request with a fresh id at once and release the abandoned one with a ping", async () => {
    const room = freshRoom();
    const cid = await room.issueCid();
    const first = room.cometJson({ p: 0, c: cid });
    expect(await settlesWithin(first, 100)).toBe("pending");
    const second = await room.cometJson({ p: 0, c: cid });
    expect(second.cid).not.toBe(cid);
    expect(second).toMatchObject({ pos: 0, content: [] });
    expect(await settlesWithin(first, 100)).toEqual({ pos: 0, nc: 2, ver: VER, cid, content: [] });
  });

  it("should answer a duplicate request that is behind with the news and a fresh id", async () => {
    const room = await roomWithEntries();
    const cid = await room.issueCid();
    const first = room.cometJson({ p: 3, c: cid });
    expect(await settlesWithin(first, 100)).toBe("pending");
    const second = await room.cometJson({ p: 2, c: cid });
    expect(second.cid).not.toBe(cid);
    expect(second).toMatchObject({ pos: 3, content: [["bob", expect.anything(), expect.any(String)]] });
    expect(await settlesWithin(first, 100)).toMatchObject({ pos: 3, cid, content: [] });
  });

  it("should forget a client that has not come back for 10 s", async () => {
    for (const configName of ["lobby", "strict"]) {
      const room = freshRoom(configName);
      const cid = await room.issueCid();
      const nc = () => room.inside((context) => context.clients.count());
      expect(await nc()).toBe(1);
      await room.inside((context) => context.clock.advance(9_000));
      expect(await nc()).toBe(1);
      await room.inside((context) => context.clock.advance(1_000));
      expect(await nc()).toBe(0);
      const reply = await room.cometJson({ p: 0, c: cid });
      expect(reply.cid).not.toBe(cid);
      if (configName === "strict") expect(reply.cid).toBe(-1);
    }
  });

  it("should not forget a client while its request is held", async () => {
    const room = freshRoom();
    const cid = await room.issueCid();
    const held = room.cometJson({ p: 0, c: cid });
    await settlesWithin(held, 50);
    await room.inside((context) => context.clock.advance(60_000));
    expect(await room.inside((context) => context.clients.count())).toBe(1);
    await room.post({ nick: "x", text: "y" });
    expect((await held).cid).toBe(cid);
  });
});

describe("truncation", () => {
  async function trimmedRoom() {
    const room = freshRoom();
    await room.inside((context) => {
      for (let i = 1; i <= 40; i++) context.log.append({ nick: "n", text: `m${i}` }, "ip", ALICE_AT + i * 1000);
      context.log.trimThrough(30);
    });
    return room;
  }

  it("should send a client older than the current log the whole current log", async () => {
    const room = await trimmedRoom();
    const cid = await room.issueCid();
    const reply = await room.cometJson({ p: 10, c: cid });
    expect(reply.pos).toBe(40);
    expect(reply.content.map((e) => e[2])).toEqual(Array.from({ length: 10 }, (_, i) => `m${31 + i}`));
  });

  it("should send a client past the end the whole current log and the real end", async () => {
    const room = await trimmedRoom();
    const cid = await room.issueCid();
    const reply = await room.cometJson({ p: 100, c: cid });
    expect(reply.pos).toBe(40);
    expect(reply.content).toHaveLength(10);
    expect(reply.content[0]![2]).toBe("m31");
  });

  it("should keep positions across truncation: a client at the end is held", async () => {
    const room = await trimmedRoom();
    const cid = await room.issueCid();
    const held = room.cometJson({ p: 40, c: cid });
    expect(await settlesWithin(held, 150)).toBe("pending");
    await room.post({ nick: "a", text: "after trim" });
    expect(await held).toMatchObject({ pos: 41, content: [["a", expect.anything(), "after trim"]] });
  });

  it("should reset a client past the end of an empty room to position 0", async () => {
    const room = freshRoom();
    const cid = await room.issueCid();
    expect(await room.cometJson({ p: 5, c: cid })).toMatchObject({ pos: 0, cid, content: [] });
  });
});
