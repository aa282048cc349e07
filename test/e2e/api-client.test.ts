/**
 * The API client's view of a room, end to end through `wrangler dev`:
 * apilogin, held comet requests answered by other clients' posts, the
 * S-expression replies read back as Scheme's `read` would, and the chatter count.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { apilogin, observe, observeJson, post, readPostReply, type CometReply } from "../support/chaton-client";
import { alistToObject, Pair, readDatum, Sym } from "../../packages/client/src/sexpr";
import { startDev, type DevServer } from "../support/wrangler-dev";

/** Held requests are pinged after this many seconds (the default is 25). */
const HOLD_SECONDS = 5;
const CID_LIMIT = 2 ** 28;

let server: DevServer | undefined;
let persistDir: string | undefined;
/** Aborted after each test, so no held request outlives the test that made it. */
let aborter = new AbortController();

const origin = () => server!.url;
const roomUrl = () => `${server!.url}/lobby/`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A comet request whose rejection is handled (it is awaited or aborted later). */
function hold(cometUri: string, cid: number, pos: number): Promise<CometReply> {
  const reply = observe(cometUri, cid, pos, { signal: aborter.signal, timeoutMs: (HOLD_SECONDS + 10) * 1000 });
  reply.catch(() => {});
  return reply;
}

const PENDING = Symbol("pending");
/** Whether `promise` is still unsettled after `ms`. */
async function stillPending(promise: Promise<unknown>, ms = 300): Promise<boolean> {
  return (await Promise.race([promise, sleep(ms).then(() => PENDING)])) === PENDING;
}

async function postSequence(): Promise<number> {
  const res = await fetch(`${roomUrl()}var/seq`, { signal: AbortSignal.timeout(5_000) });
  expect(res.status).toBe(200);
  return Number(await res.text());
}

beforeAll(async () => {
  persistDir = await mkdtemp(join(tmpdir(), "chaton-e2e-api-"));
  server = await startDev({
    persistDir,
    // Status files straight from the room, not the up-to-10-s-old copy pollers get by default.
    vars: { COMET_HOLD_SECONDS: String(HOLD_SECONDS), STATUS_CACHE_SECONDS: "0" },
  });
});

afterAll(async () => {
  aborter.abort();
  await server?.stop();
  if (persistDir) await rm(persistDir, { recursive: true, force: true });
});

afterEach(() => {
  aborter.abort();
  aborter = new AbortController();
});

describe("API client", () => {
  it("an API client logs in, holds a comet request, and receives a post from another client", async () => {
    const a = await apilogin(roomUrl(), "alice-bot");
    for (const uri of [a.postUri, a.cometUri, a.iconUri]) {
      expect(uri.startsWith(`${origin()}/`)).toBe(true);
      expect(new URL(uri).origin).toBe(origin());
    }
    expect(a.postUri).toMatch(/\/lobby\/post$/);
    expect(a.cometUri).toMatch(/\/lobby\/comet$/);
    expect(a.roomName).toBe("Chaton Lobby");
    expect(Number.isInteger(a.cid)).toBe(true);
    expect(a.cid).toBeGreaterThanOrEqual(0);
    expect(a.cid).toBeLessThan(CID_LIMIT);
    expect(Number.isInteger(a.pos)).toBe(true);
    expect(a.pos).toBe(await postSequence());

    // A's request is held: nothing is new.
    const first = hold(a.cometUri, a.cid, a.pos);
    expect(await stillPending(first)).toBe(true);

    const b = await apilogin(roomUrl(), "bob-bot");
    expect(b.cid).not.toBe(a.cid);
    const text1 = 'He said "hi" \\ then\nleft\tquickly: ü日本';
    const ack1 = await post(b.postUri, "bob", text1, b.cid);
    expect(ack1.status).toBe(200);

    const reply1 = await first;
    expect(reply1.content).toHaveLength(1);
    expect(reply1.content[0]).toMatchObject({ nick: "bob", text: text1 });
    const { sec, usec } = reply1.content[0]!;
    expect(Math.abs(sec - Date.now() / 1000)).toBeLessThan(120);
    expect(usec).toBeGreaterThanOrEqual(0);
    expect(usec).toBeLessThan(1_000_000);
    expect(reply1.pos).toBeGreaterThan(a.pos);
    expect(reply1.pos).toBe(await postSequence());
    expect(reply1.cid).toBe(a.cid);
    expect(reply1.nc).toBeGreaterThanOrEqual(2);
    expect(reply1.ver).toMatch(/^\S+$/);

    // A asks again from the new position: held again, then the second post arrives.
    const second = hold(a.cometUri, reply1.cid, reply1.pos);
    expect(await stillPending(second)).toBe(true);
    const ack2 = await post(b.postUri, "bob", "second post", b.cid);
    expect(ack2.status).toBe(200);
    const reply2 = await second;
    expect(reply2.content.map((e) => [e.nick, e.text])).toEqual([["bob", "second post"]]);
    expect(reply2.pos).toBeGreaterThan(reply1.pos);
    expect(reply2.cid).toBe(a.cid);
    const e2 = reply2.content[0]!;
    expect(e2.sec > sec || (e2.sec === sec && e2.usec > usec)).toBe(true);
  });

  it("apilogin answers an alist with the documented keys in order, and the same keys as JSON for s=0", async () => {
    const keys = ["post-uri", "comet-uri", "icon-uri", "room-name", "cid", "pos"];

    const sres = await fetch(`${roomUrl()}apilogin`, {
      method: "POST",
      body: new URLSearchParams({ who: "raw-s1", s: "1" }),
      signal: AbortSignal.timeout(5_000),
    });
    expect(sres.status).toBe(200);
    expect(sres.headers.get("Content-Type")).toMatch(/^application\/x-sexpr/);
    expect(sres.headers.get("Cache-Control")).toBe("no-cache");
    const read = readDatum(await sres.text());
    expect(Array.isArray(read)).toBe(true);
    const pairs = read as unknown[];
    expect(pairs.every((p) => p instanceof Pair && p.car instanceof Sym)).toBe(true);
    expect(pairs.map((p) => ((p as Pair).car as Sym).name)).toEqual(keys);
    const sexpr = alistToObject(read);

    const jres = await fetch(`${roomUrl()}apilogin`, {
      method: "POST",
      body: new URLSearchParams({ who: "raw-s0", s: "0" }),
      signal: AbortSignal.timeout(5_000),
    });
    expect(jres.status).toBe(200);
    expect(jres.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(jres.headers.get("Cache-Control")).toBe("no-cache");
    const json = (await jres.json()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(keys);
    for (const key of ["post-uri", "comet-uri", "icon-uri", "room-name", "pos"]) expect(json[key]).toEqual(sexpr[key]);
    expect(Number.isInteger(json["cid"])).toBe(true);
    expect(json["cid"]).not.toBe(sexpr["cid"]);
  });

  it("nc counts the API clients", async () => {
    const clients = await Promise.all(["c1", "c2", "c3"].map((who) => apilogin(roomUrl(), who)));
    expect(new Set(clients.map((c) => c.cid)).size).toBe(3);

    const status = await fetch(`${roomUrl()}var/status.js`, { signal: AbortSignal.timeout(5_000) });
    expect(status.status).toBe(200);
    const js = (await status.json()) as Record<string, number>;
    expect(js["num-chatters"]).toBeGreaterThanOrEqual(clients.length);
    expect(js["post-sequence"]).toBe(await postSequence());

    const scm = await fetch(`${roomUrl()}var/status.scm`, { signal: AbortSignal.timeout(5_000) });
    const scmStatus = alistToObject(readDatum(await scm.text()));
    expect(scmStatus["num-chatters"]).toBeGreaterThanOrEqual(clients.length);

    // While all three hold a request, every reply counts at least the three.
    const held = clients.map((c) => hold(c.cometUri, c.cid, c.pos));
    for (const h of held) expect(await stillPending(h, 100)).toBe(true);
    const poster = clients[0]!;
    expect((await post(poster.postUri, "counter", "wake up", poster.cid)).status).toBe(200);
    for (const reply of await Promise.all(held)) {
      expect(reply.nc).toBeGreaterThanOrEqual(clients.length);
      expect(reply.content.map((e) => e.text)).toEqual(["wake up"]);
    }
  });

  it("a text with every escape-worthy character round-trips exactly through the S-expression reply", async () => {
    const nick = 'n"i\\ck (ü) ;';
    const text = [
      'double "quote"',
      "back\\slash and \\\\ two, \\n not a newline, \\x41; not an escape",
      "line\nfeed, tab\there, crlf\r\nend, lone cr\rhere",
      "parens () [] {} ; comment? #t #f 'quote `quasi ,unquote |bar| . dot",
      "del \u007f, nbsp \u00a0, line sep \u2028, bom \ufeff, zwj a\u200db",
      "ü日本語, emoji 😀👍🏽, combining e\u0301, rtl שלום",
    ].join("\n");
    const a = await apilogin(roomUrl(), "escape-bot");
    expect((await post(a.postUri, nick, text, a.cid)).status).toBe(200);

    // The client is behind the end, so the reply comes at once with the entry.
    const reply = await observe(a.cometUri, a.cid, a.pos, { timeoutMs: 5_000 });
    expect(reply.content).toHaveLength(1);
    expect(reply.content[0]!.nick).toBe(nick);
    expect(reply.content[0]!.text).toBe(text);

    // The raw reply is written as Scheme's `write` would: escapes, not raw control characters.
    const raw = await fetch(`${a.cometUri}?t=${Date.now()}&c=${reply.cid}&p=${a.pos}&s=1`, {
      signal: AbortSignal.timeout(5_000),
    });
    expect(raw.headers.get("Content-Type")).toMatch(/^application\/x-sexpr/);
    const body = await raw.text();
    expect(body).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(body).toContain('double \\"quote\\"');
    expect(body).toContain("line\\nfeed, tab\\there, crlf\\r\\nend");
    expect(body).toContain("ü日本語, emoji 😀👍🏽");

    // The JSON reply carries the same text.
    const json = await observeJson(a.cometUri, reply.cid, a.pos, { timeoutMs: 5_000 });
    expect(json.content.map((e) => [e.nick, e.text])).toEqual([[nick, text]]);
  });

  it("control characters that XML forbids are removed from a post; tab, LF and CR stay", async () => {
    const a = await apilogin(roomUrl(), "control-bot");
    const ack = await post(a.postUri, "ctl\u0001nick", "a\u0000b\u0008c\u000bd\u000ce\u001ff\tg\nh\ri", a.cid);
    expect(ack.status).toBe(200);
    const reply = await observe(a.cometUri, a.cid, a.pos, { timeoutMs: 5_000 });
    expect(reply.content.map((e) => [e.nick, e.text])).toEqual([["ctlnick", "abcdef\tg\nh\ri"]]);
  });

  it("the poster's reply is readable by Scheme's read", async () => {
    const a = await apilogin(roomUrl(), "reader-bot");
    const ack = await post(a.postUri, "reader", "is this readable?", a.cid);
    expect(ack.status).toBe(200);
    expect(() => readPostReply(ack.body)).not.toThrow();
    expect(ack.body.length).toBeLessThan(100);

    // An empty post is not stored, and is still a success.
    const before = await postSequence();
    const empty = await post(a.postUri, "reader", "   \n\t ", a.cid);
    expect(empty.status).toBe(200);
    expect(() => readPostReply(empty.body)).not.toThrow();
    expect(await postSequence()).toBe(before);
  });

  it("a held request with nothing new is answered with a ping after the hold time", async () => {
    const a = await apilogin(roomUrl(), "ping-bot");
    const started = Date.now();
    const reply = await hold(a.cometUri, a.cid, a.pos);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(HOLD_SECONDS * 1000 - 500);
    expect(elapsed).toBeLessThan(HOLD_SECONDS * 1000 + 5_000);
    expect(reply).toMatchObject({ pos: a.pos, cid: a.cid, content: [] });
  });

  it("a second request for a cid that is held gets a ping with a fresh cid at once; the first gets a ping", async () => {
    const a = await apilogin(roomUrl(), "dup-bot");
    const first = hold(a.cometUri, a.cid, a.pos);
    expect(await stillPending(first)).toBe(true);
    const second = await observe(a.cometUri, a.cid, a.pos, { timeoutMs: 3_000 });
    expect(second.content).toEqual([]);
    expect(second.pos).toBe(a.pos);
    expect(second.cid).not.toBe(a.cid);
    expect(second.cid).toBeGreaterThanOrEqual(0);
    expect(second.cid).toBeLessThan(CID_LIMIT);
    const abandoned = await Promise.race([first, sleep(3_000).then(() => PENDING)]);
    expect(abandoned).not.toBe(PENDING);
    expect(abandoned).toMatchObject({ pos: a.pos, content: [] });
  });

  it("an unknown cid (as after a server restart) is answered at once with a ping carrying a fresh cid", async () => {
    const a = await apilogin(roomUrl(), "restart-bot");
    const unknown = a.cid === 1 ? 2 : 1;
    const reply = await observe(a.cometUri, unknown, a.pos, { timeoutMs: 3_000 });
    expect(reply.content).toEqual([]);
    expect(reply.pos).toBe(a.pos);
    expect(reply.cid).not.toBe(unknown);
    expect(reply.cid).toBeGreaterThanOrEqual(0);
    expect(reply.cid).toBeLessThan(CID_LIMIT);
  });
});
