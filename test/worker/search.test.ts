/**
 * Search, against a room filled with known entries: every query form is
 * answered by the room and compared with a brute-force filter of the same
 * entries written here, independently of src/ (no result missing, none extra,
 * newest first, pages without repeats or gaps).
 */
import { describe, expect, it } from "vitest";
import { dayOf, DAY_SECONDS, startOfDay } from "../../src/protocol/day";
import { permalink, type Entry } from "../../src/protocol/entry";
import { MAX_SEARCH_QUERY_CHARS, MAX_SEARCH_TERMS, SEARCH_PAGE_SIZE } from "../../src/protocol/limits";
import { parseQuery } from "../../src/protocol/search-query";
import { parseHtml } from "../support/html";
import { freshRoom, ORIGIN, send, type TestRoom } from "../support/rooms";

const TODAY = startOfDay(Math.floor(Date.now() / 1000));
/** The first entry is this many days ago; entries then follow every 37 minutes. */
const FIRST_DAY = TODAY - 6 * DAY_SECONDS;
const STEP_SECONDS = 37 * 60;

const NICKS = ["alice", "Alice", "bob", "山田 太郎", "たろう", "🐱cat", "x", "ab"];
const TEXTS = [
  "東京タワーに行きました",
  "東京は雨です",
  "京都の雨",
  "今日は晴れ 🍣🍺 を食べた",
  "Good morning, Tokyo Tower!",
  "good MORNING everyone",
  "the tower of Pisa",
  "Eiffel tower in Paris",
  "see https://example.com/path?q=1&x=<b> now",
  "multi\nline\ntext with 東京",
  "line one\nline two",
  "🍣",
  "家族 👨‍👩‍👧 と",
  "Élan vital",
  "ÉLAN",
  "ＡＢＣ full width",
  "abc half width",
  "100% sure",
  'it\'s "quoted" text',
  "mixed 日本語 and English words",
  "雨",
  "a",
  "tab\tseparated",
  "東京 タワー",
  "TOWER of <script>alert(1)</script>",
];
/** Enough entries that common terms fill several pages. */
const COUNT = 330;

/** The entries the room is filled with, oldest first, each a text and nick from the lists above. */
function corpus(): Omit<Entry, "seq">[] {
  return Array.from({ length: COUNT }, (_, i) => ({
    nick: NICKS[(i * 5 + Math.floor(i / 7)) % NICKS.length]!,
    sec: FIRST_DAY + i * STEP_SECONDS,
    usec: (i * 7919) % 1_000_000,
    text: TEXTS[(i * 3 + Math.floor(i / 11)) % TEXTS.length]!,
    ip: "192.0.2.1",
  }));
}

// The brute-force filter: A-Z fold, everything else as written; substrings.
type Filter = (e: Omit<Entry, "seq">) => boolean;
const fold = (s: string) => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
const has =
  (term: string): Filter =>
  (e) =>
    fold(e.text).includes(fold(term));
const not =
  (f: Filter): Filter =>
  (e) =>
    !f(e);
const from =
  (...nicks: string[]): Filter =>
  (e) =>
    nicks.some((n) => fold(n) === fold(e.nick));
const dayStartOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000;
const on =
  (iso: string): Filter =>
  (e) =>
    e.sec >= dayStartOf(iso) && e.sec < dayStartOf(iso) + DAY_SECONDS;
const after =
  (iso: string): Filter =>
  (e) =>
    e.sec >= dayStartOf(iso);
const before =
  (iso: string): Filter =>
  (e) =>
    e.sec < dayStartOf(iso);
const all =
  (...filters: Filter[]): Filter =>
  (e) =>
    filters.every((f) => f(e));

const isoDay = (sec: number) => dayOf(sec).replaceAll("/", "-");
const D1 = isoDay(FIRST_DAY + DAY_SECONDS);
const D2 = isoDay(FIRST_DAY + 2 * DAY_SECONDS);
const D4 = isoDay(FIRST_DAY + 4 * DAY_SECONDS);

/** Every query form, with what it must find. */
const CASES: [string, Filter][] = [
  ["tower", has("tower")],
  ["TOWER", has("tower")],
  ["Tokyo Tower", all(has("tokyo"), has("tower"))],
  ["東京タワー", has("東京タワー")],
  ["東京", has("東京")],
  ["雨", has("雨")],
  ["京", has("京")],
  ["🍣", has("🍣")],
  ["🍣🍺", has("🍣🍺")],
  ["👨‍👩‍👧", has("👨‍👩‍👧")],
  ["a", has("a")],
  ["東京 tower", all(has("東京"), has("tower"))],
  ['"good morning"', has("good morning")],
  ['"東京 タワー"', has("東京 タワー")],
  ['"line one\nline two"', has("line one\nline two")],
  ["東京 -タワー", all(has("東京"), not(has("タワー")))],
  ["tower -eiffel -pisa", all(has("tower"), not(has("eiffel")), not(has("pisa")))],
  ["東京 -雨", all(has("東京"), not(has("雨")))],
  ['tower -"of pisa"', all(has("tower"), not(has("of pisa")))],
  ["from:alice", from("alice")],
  ["from:ALICE 東京", all(from("alice"), has("東京"))],
  ['from:"山田 太郎"', from("山田 太郎")],
  ["from:x", from("x")],
  ["from:alice from:bob 雨", all(from("alice", "bob"), has("雨"))],
  ["東京 -from:alice", all(has("東京"), not(from("alice")))],
  ["雨 -from:bob -from:たろう", all(has("雨"), not(from("bob", "たろう")))],
  [`on:${D2}`, on(D2)],
  [`on:${D2} 雨`, all(on(D2), has("雨"))],
  [`after:${D2} tower`, all(after(D2), has("tower"))],
  [`before:${D2} tower`, all(before(D2), has("tower"))],
  [`after:${D1} before:${D4} 東京`, all(after(D1), before(D4), has("東京"))],
  [`after:${D4} before:${D1} 東京`, () => false],
  [`on:${D2} -雨`, all(on(D2), not(has("雨")))],
  [`on:${D2} -from:alice`, all(on(D2), not(from("alice")))],
  ["https://example.com/path?q=1&x=<b>", has("https://example.com/path?q=1&x=<b>")],
  ["example.com", has("example.com")],
  ['"100%"', has("100%")],
  ["it's", has("it's")],
  ["élan", has("élan")],
  ["ÉLAN", has("ÉLAN")],
  ["ＡＢＣ", has("ＡＢＣ")],
  ["abc", has("abc")],
  ["<script>", has("<script>")],
  ["zzzz", () => false],
  ["鬱", () => false],
  ["-", has("-")],
  ["日本語　English", all(has("日本語"), has("english"))],
  // As many terms as a query may have, most of them short.
  [
    "a e i o u -z -q -x -j -v 東 京 -雪 -🍺 to er",
    all(...["a", "e", "i", "o", "u", "東", "京", "to", "er"].map(has), ...["z", "q", "x", "j", "v", "雪", "🍺"].map((t) => not(has(t)))),
  ],
];

type Result = { nick: string; time: [number, number]; text: string; permalink: string };
type Body = { q: string; results: Result[]; next: string | null; indexing?: unknown };

async function filledRoom(): Promise<{ room: TestRoom; entries: Omit<Entry, "seq">[] }> {
  const room = freshRoom();
  const entries = corpus();
  await room.inside((context) => {
    for (const e of entries) context.log.append({ nick: e.nick, text: e.text }, e.ip, e.sec * 1000 + e.usec / 1000);
  });
  // append() takes milliseconds; read back the microseconds it stored.
  const stored = await room.inside((context) => context.log.all());
  return { room, entries: stored.map(({ seq: _, ...e }) => e) };
}

const key = (sec: number, usec: number) => `${sec}.${String(usec).padStart(6, "0")}`;
const expected = (entries: Omit<Entry, "seq">[], filter: Filter) =>
  entries
    .filter(filter)
    .sort((a, b) => b.sec - a.sec || b.usec - a.usec)
    .map((e) => key(e.sec, e.usec));

function searchUrl(q: string, extra: Record<string, string> = {}): string {
  return `search?${new URLSearchParams({ q, ...extra })}`;
}

/** Follows `next` from the first page to the last. */
async function allPages(room: TestRoom, q: string): Promise<Body[]> {
  const pages: Body[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 50; i++) {
    const res = await room.fetch(searchUrl(q, { format: "json", ...(cursor === null ? {} : { cursor }) }));
    expect(res.status, `${q}: ${await res.clone().text()}`).toBe(200);
    const body = (await res.json()) as Body;
    pages.push(body);
    if (body.next === null) return pages;
    cursor = body.next;
  }
  throw new Error(`${q}: more than 50 pages`);
}

describe("search", () => {
  it("should answer every query form exactly as a brute-force filter of the room's entries, newest first, a page at a time", async () => {
    const { room, entries } = await filledRoom();
    const byKey = new Map(entries.map((e) => [key(e.sec, e.usec), e]));
    let paged = 0;
    for (const [q, filter] of CASES) {
      const pages = await allPages(room, q);
      const found = pages.flatMap((p) => p.results.map((r) => key(r.time[0], r.time[1])));
      expect(found, q).toEqual(expected(entries, filter));
      for (const page of pages) {
        expect(page.q).toBe(q);
        expect(page.results.length).toBeLessThanOrEqual(SEARCH_PAGE_SIZE);
        if (page.next !== null) expect(page.results.length, `${q}: a full page before the last`).toBe(SEARCH_PAGE_SIZE);
        for (const r of page.results) {
          const e = byKey.get(key(r.time[0], r.time[1]))!;
          expect(r).toEqual({ nick: e.nick, time: [e.sec, e.usec], text: e.text, permalink: `${ORIGIN}/lobby/${permalink(e)}` });
        }
      }
      if (pages.length > 1) paged++;
    }
    // Several queries needed more than one page.
    expect(paged).toBeGreaterThan(3);
  });

  it("should stay exact when short terms are scanned for and a page may examine only a few rows", async () => {
    const { room, entries } = await filledRoom();
    const limits = { pageSize: 4, maxExamined: 9, maxTrigrams: 3 };
    const results = await room.inside((instance) => {
      const out: Record<string, { found: string[]; emptyPages: number }> = {};
      for (const [q] of CASES) {
        const query = parseQuery(q);
        const found: string[] = [];
        let emptyPages = 0;
        let before: number | null = null;
        for (let i = 0; i < 1000; i++) {
          const page = instance.search.find(query, before, limits);
          expect(page.hits.length).toBeLessThanOrEqual(limits.pageSize);
          if (page.hits.length === 0) emptyPages++;
          found.push(...page.hits.map((h) => key(h.sec, h.usec)));
          if (page.next === null) break;
          expect(before === null || page.next < before).toBe(true);
          before = page.next;
        }
        out[q] = { found, emptyPages };
      }
      return out;
    });
    let stoppedEarly = 0;
    for (const [q, filter] of CASES) {
      expect(results[q]!.found, q).toEqual(expected(entries, filter));
      stoppedEarly += results[q]!.emptyPages;
    }
    // The examination limit was reached on some pages (which then came back short or empty, with a cursor).
    expect(stoppedEarly).toBeGreaterThan(0);
  });

  it("should find a post as soon as it is acknowledged, over HTTP and over a socket", async () => {
    const room = freshRoom();
    const res = await room.post({ nick: "poster", text: "freshly posted 新着" });
    expect(res.status).toBe(200);
    const upgrade = await room.fetch("ws?p=0", { headers: { Upgrade: "websocket" } });
    const socket = upgrade.webSocket!;
    socket.accept();
    const acked = new Promise<unknown>((resolve) =>
      socket.addEventListener("message", (event) => {
        const frame = JSON.parse(event.data as string) as { type: string };
        if (frame.type === "ack") resolve(frame);
      }),
    );
    socket.send(JSON.stringify({ type: "post", id: "m1", nick: "socket", text: "sent over a socket 新着" }));
    expect(await acked).toMatchObject({ type: "ack", stored: true });
    socket.close(1000);
    const body = (await (await room.fetch(searchUrl("新着", { format: "json" }))).json()) as Body;
    expect(body.results.map((r) => [r.nick, r.text])).toEqual([
      ["socket", "sent over a socket 新着"],
      ["poster", "freshly posted 新着"],
    ]);
  });

  it("should forget a deleted entry, whether it was in the current log or only in its day's archive", async () => {
    const room = freshRoom("archive0");
    const yesterday = TODAY - DAY_SECONDS;
    const made = await room.inside((context) => {
      const out: Entry[] = [];
      for (let i = 0; i < 40; i++) out.push(context.log.append({ nick: "n", text: `doomed ${i} 消える` }, "192.0.2.1", (yesterday + i * 60) * 1000));
      return out;
    });
    // Archive yesterday: the first 10 entries leave the log and stay only in R2.
    await room.inside((instance) => instance.archive("archive0"));
    const inLog = made[35]!;
    const archivedOnly = made[2]!;
    expect(await room.inside((context) => context.log.all().some((e) => e.seq === archivedOnly.seq))).toBe(false);
    for (const victim of [inLog, archivedOnly]) {
      const result = await room.inside((instance) => instance.admin("archive0", { action: "delete", permalink: permalink(victim) }));
      expect(result).toMatchObject({ ok: true });
    }
    const pages = await allPages(room, "消える");
    const texts = pages.flatMap((p) => p.results.map((r) => r.text));
    expect(texts).toHaveLength(38);
    expect(texts).not.toContain(inLog.text);
    expect(texts).not.toContain(archivedOnly.text);
    expect(
      await room.inside((instance) => [instance.search.index.has(inLog.sec, inLog.usec), instance.search.index.has(archivedOnly.sec, archivedOnly.usec)]),
    ).toEqual([false, false]);
  });

  it("should keep every entry searchable after the archiver trims the log", async () => {
    const room = freshRoom("archive1");
    await room.inside((context) => {
      for (let i = 0; i < 100; i++) context.log.append({ nick: "n", text: `old day ${i} 古い` }, "192.0.2.1", (TODAY - 2 * DAY_SECONDS + i * 60) * 1000);
    });
    await room.inside((instance) => instance.archive("archive1"));
    expect(await room.inside((context) => context.log.all().length)).toBe(30);
    const found = (await allPages(room, "古い")).flatMap((p) => p.results);
    expect(found).toHaveLength(100);
  });

  it("should index a batch an import hands over, once, however often it is handed over", async () => {
    const room = freshRoom();
    const batch = Array.from({ length: 20 }, (_, i) => ({
      nick: "imported",
      sec: FIRST_DAY - 400 * DAY_SECONDS + i * 3600,
      usec: i,
      text: `from the old server ${i} 移行`,
    }));
    const added = await room.inside((instance) => [instance.search.index.indexImported(batch), instance.search.index.indexImported(batch.slice(5))]);
    expect(added).toEqual([20, 0]);
    const found = (await allPages(room, "移行 from:imported")).flatMap((p) => p.results.map((r) => r.time));
    expect(found).toEqual(batch.map((e) => [e.sec, e.usec]).reverse());
    await expect(room.inside((instance) => instance.search.index.indexImported([{ nick: "n", sec: 1, usec: 1_000_000, text: "bad" }]))).rejects.toThrow(
      RangeError,
    );
  });
});

describe("search requests", () => {
  it("should refuse a query it cannot parse, or one of only exclusions, with 400 and the reason", async () => {
    const room = freshRoom();
    const cases: [string, RegExp][] = [
      ['"unclosed', /quote is not closed/],
      ['""', /empty phrase/],
      ["-rain", /only exclusions/],
      ["-rain -from:bob", /only exclusions/],
      ["on:2026-13-01", /on: takes a date as YYYY-MM-DD/],
      ["after:yesterday", /after: takes a date/],
      ["from:", /from: needs a nick/],
      ["-on:2026-01-01", /cannot exclude a date/],
      ["bad\u0007bell", /control characters/],
      ["x".repeat(MAX_SEARCH_QUERY_CHARS + 1), /over 256 characters/],
      [Array.from({ length: MAX_SEARCH_TERMS + 1 }, (_, i) => `w${i}`).join(" "), /at most 16/],
      ["   ", /empty/],
    ];
    for (const [q, reason] of cases) {
      const json = await room.fetch(searchUrl(q, { format: "json" }));
      expect(json.status, q).toBe(400);
      expect(await json.text(), q).toMatch(reason);
      if (q.trim() === "") continue;
      const page = await room.fetch(searchUrl(q));
      expect(page.status, q).toBe(400);
      const { elements, text } = await parseHtml(await page.text());
      expect(elements.some((el) => el.tag === "p" && el.attrs["class"] === "search-error")).toBe(true);
      expect(text).toMatch(reason);
      // HTMLRewriter gives attribute values as written, entities and all.
      expect(elements.find((el) => el.tag === "input" && el.attrs["name"] === "q")?.attrs["value"]).toBe(q.replaceAll("&", "&amp;").replaceAll('"', "&quot;"));
    }
  });

  it("should refuse a cursor it did not make, and a format it does not know", async () => {
    const room = freshRoom();
    for (const cursor of ["", "abc", "c", "c!", "czzzzzzzzzzzz", "1234"]) {
      const res = await room.fetch(searchUrl("tower", { format: "json", cursor }));
      expect(res.status, cursor).toBe(400);
      expect(await res.text()).toMatch(/Bad cursor/);
    }
    expect((await room.fetch(searchUrl("tower", { format: "xml" }))).status).toBe(400);
    expect((await room.fetch("search?q=x", { method: "POST" })).status).toBe(405);
  });

  it("should answer JSON for Accept: application/json, and the page otherwise", async () => {
    const room = freshRoom();
    await room.post({ nick: "n", text: "negotiated" });
    const json = await room.fetch(searchUrl("negotiated"), { headers: { Accept: "application/json" } });
    expect(json.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(((await json.json()) as Body).results).toHaveLength(1);
    const page = await room.fetch(searchUrl("negotiated"), { headers: { Accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
  });

  it("should show the results on a page: time, nick, the text with matches marked and escaped, a permalink, and more", async () => {
    const { room, entries } = await filledRoom();
    const q = "tower";
    const res = await room.fetch(searchUrl(q));
    expect(res.status).toBe(200);
    const markup = await res.text();
    const { elements } = await parseHtml(markup);
    const want = expected(entries, has("tower"));
    expect(want.length).toBeGreaterThan(SEARCH_PAGE_SIZE);

    const links = elements.filter((el) => el.tag === "a" && el.attrs["class"] === "result-link").map((el) => el.attrs["href"]);
    const byKey = new Map(entries.map((e) => [key(e.sec, e.usec), e]));
    expect(links).toEqual(want.slice(0, SEARCH_PAGE_SIZE).map((k) => `/lobby/${permalink(byKey.get(k)!)}`));
    const times = elements.filter((el) => el.tag === "time").map((el) => el.attrs["datetime"]);
    expect(times[0]).toBe(new Date(byKey.get(want[0]!)!.sec * 1000 + Math.floor(byKey.get(want[0]!)!.usec / 1000)).toISOString());
    // Every result marks its matches; markup in a text stays text.
    const marks = [...markup.matchAll(/<mark>(.*?)<\/mark>/g)].map((m) => m[1]!.toLowerCase());
    expect(marks.length).toBeGreaterThanOrEqual(SEARCH_PAGE_SIZE);
    expect(new Set(marks)).toEqual(new Set(["tower"]));
    // The one inline script is the layout's theme script, the same on every page; no result makes another.
    expect(elements.filter((el) => el.tag === "script" && el.attrs["src"] === undefined)).toHaveLength(1);
    expect(markup.split("<script>").length).toBe(2);
    expect(markup).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");

    const more = elements.find((el) => el.tag === "a" && el.attrs["rel"] === "next");
    const nextUrl = new URL(more!.attrs["href"]!.replaceAll("&amp;", "&"), `${ORIGIN}/lobby/search`);
    expect(nextUrl.pathname).toBe("/lobby/search");
    expect(nextUrl.searchParams.get("q")).toBe(q);
    const second = await parseHtml(await (await room.fetch(`search${nextUrl.search}`)).text());
    const secondLinks = second.elements.filter((el) => el.tag === "a" && el.attrs["class"] === "result-link").map((el) => el.attrs["href"]);
    expect(secondLinks).toEqual(want.slice(SEARCH_PAGE_SIZE, 2 * SEARCH_PAGE_SIZE).map((k) => `/lobby/${permalink(byKey.get(k)!)}`));
  });

  it("should offer a search box on the room page, the archive pages and the search page", async () => {
    const room = freshRoom();
    await room.post({ nick: "n", text: "hello" });
    for (const path of ["", `a/${dayOf(Math.floor(Date.now() / 1000))}`, "search"]) {
      const { elements } = await parseHtml(await (await room.fetch(path)).text());
      const form = elements.find((el) => el.tag === "form" && el.attrs["role"] === "search");
      expect(form?.attrs, path).toMatchObject({ action: "/lobby/search", method: "get" });
      expect(
        elements.some((el) => el.tag === "input" && el.attrs["name"] === "q"),
        path,
      ).toBe(true);
    }
  });

  it("should ask for credentials in a private room", async () => {
    const res = await send("/secret/search?q=anything&format=json");
    expect(res.status).toBe(401);
    const ok = await send("/secret/search?q=anything&format=json", { headers: { Authorization: `Basic ${btoa("alice:first password")}` } });
    expect(ok.status).toBe(200);
  });
});

describe("the search index's storage", () => {
  it("should hold one row per entry in its table and its trigram index", async () => {
    const { room } = await filledRoom();
    const counts = await room.inside((instance) => {
      // Posts are indexed a moment after they are stored (search/pending-index.ts): here, at once.
      instance.search.pending.indexWaiting();
      const sql = instance["ctx"].storage.sql;
      return {
        entries: sql.exec<{ n: number }>("SELECT count(*) AS n FROM search_entries").one().n,
        fts: sql.exec<{ n: number }>("SELECT count(*) AS n FROM search_fts").one().n,
      };
    });
    expect(counts).toEqual({ entries: COUNT, fts: COUNT });
  });

  it("should give its size against the size of the text", async () => {
    const { room, entries } = await filledRoom();
    const stats = await room.inside((instance) => (instance.search.pending.indexWaiting(), instance.search.index.stats()));
    expect(stats.entries).toBe(COUNT);
    const utf8 = new TextEncoder();
    expect(stats.textBytes).toBe(entries.reduce((n, e) => n + utf8.encode(e.nick).byteLength + utf8.encode(e.text).byteLength, 0));
    // A trigram index of short texts is of the order of the text (its rows, with few segments).
    expect(stats.indexBytes).toBeGreaterThan(stats.textBytes / 4);
    expect(stats.databaseBytes).toBeGreaterThan(stats.indexBytes + stats.textBytes);
  });
});
