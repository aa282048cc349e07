/**
 * The backfill: a room that had history before search existed (archives in
 * R2, a current log) gets all of it indexed by its alarm, in chunks, exactly
 * once, through injected R2 failures and with the archiver running in the
 * same alarm.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { dayOf, DAY_SECONDS, startOfDay } from "../../src/protocol/day";
import { permalink, type Entry } from "../../src/protocol/entry";
import { SEARCH_MAX_SEGMENTS, SEARCH_MERGED_SEGMENTS } from "../../src/protocol/limits";
import { parseQuery } from "../../src/protocol/search-query";
import { decodeDay } from "../../src/room/archive/format";
import { archiveClosedDays, nextRunAt, type ArchiveBucket } from "../../src/room/archive/archiver";
import type { Room } from "../../src/room/room";
import { MIGRATIONS, migrate } from "../../src/room/storage/schema";
import { ORIGIN } from "../support/rooms";

const TODAY = startOfDay(Math.floor(Date.now() / 1000));
/** Entries per day, for the days 8 to 2 days ago (archived), yesterday and today (in the log). */
const ARCHIVED_DAYS: [number, number][] = [
  [8, 5],
  [7, 1500],
  [5, 40],
  [4, 2200],
  [3, 1],
  [2, 300],
];
const LOG_DAYS: [number, number][] = [
  [1, 70],
  [0, 12],
];

/** A text only this entry has. */
const textOf = (n: number) => `old e${String(n).padStart(5, "0")}x 過去ログ`;
const keyOf = (e: Pick<Entry, "sec" | "usec">) => `${e.sec}.${e.usec}`;

type Sql = SqlStorage;
const count = (sql: Sql, table: string) => sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
const backfillState = (sql: Sql) => sql.exec("SELECT archive_cursor, log_cursor, log_target, done FROM search_backfill").one();

/**
 * A room as one that had history when search came: its days archived to R2
 * by the archiver as it ran the day before yesterday, yesterday's and today's
 * entries in the log, and an empty index with the backfill state migration
 * 0004 gives such a room.
 */
async function roomWithHistory(name: string) {
  const stub = env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID()));
  await stub.fetch(`${ORIGIN}/${name}/var/seq`);
  const inside = <R>(fn: (room: Room, sql: Sql) => R | Promise<R>) => runInDurableObject(stub, (room: Room) => fn(room, room["ctx"].storage.sql));
  await inside(async (room, sql) => {
    let n = 0;
    for (const [daysAgo, entries] of [...ARCHIVED_DAYS, ...LOG_DAYS]) {
      const start = TODAY - daysAgo * DAY_SECONDS;
      for (let i = 0; i < entries; i++) room.log.append({ nick: `nick${n % 7}`, text: textOf(n++) }, "192.0.2.1", (start + i * 30) * 1000 + (i % 1000));
    }
    // The archiver's run of yesterday, just after midnight: every day before yesterday goes to R2.
    await archiveClosedDays(name, (TODAY - DAY_SECONDS) * 1000 + 5000, room.log, room.archiveIndex, room.archiveBucket);
    sql.exec("INSERT INTO search_fts (search_fts) VALUES ('delete-all')");
    sql.exec("DELETE FROM search_entries");
    sql.exec("UPDATE search_backfill SET archive_cursor = -1, log_cursor = 0, log_target = (SELECT seq FROM room_state), done = 0");
  });
  return { stub, inside };
}

/** Every entry the room has: its archives and its log, each once. */
async function everyEntry(name: string, inside: (fn: (room: Room, sql: Sql) => Entry[]) => Promise<Entry[]>): Promise<Map<string, Entry>> {
  const all = new Map<string, Entry>();
  for (const [daysAgo] of [...ARCHIVED_DAYS, ...LOG_DAYS]) {
    const object = await env.ARCHIVE.get(`${name}/${dayOf(TODAY - daysAgo * DAY_SECONDS)}`);
    if (object !== null) for (const e of decodeDay(await object.text())) all.set(keyOf(e), e);
  }
  for (const e of await inside((room) => room.log.all())) all.set(keyOf(e), e);
  return all;
}

type CountingBucket = ArchiveBucket & { gets: number; failures: number };

/** A bucket whose get fails on the calls numbered in `failing` (1-based), and whose put fails on those in `failingPuts`. */
function failingBucket(real: ArchiveBucket, failing: number[], failingPuts: number[] = []): CountingBucket {
  let puts = 0;
  const bucket: CountingBucket = {
    gets: 0,
    failures: 0,
    head: (key) => real.head(key),
    get: (key) => {
      if (!failing.includes(++bucket.gets)) return real.get(key);
      bucket.failures++;
      return Promise.reject(new Error("injected R2 failure"));
    },
    put: (key, value, options) => {
      if (!failingPuts.includes(++puts)) return real.put(key, value, options);
      bucket.failures++;
      return Promise.reject(new Error("injected R2 failure"));
    },
  };
  return bucket;
}

describe("the search backfill", () => {
  it("should index every archived and logged entry exactly once through R2 failures, while the archiver runs in the same alarm", async () => {
    const name = "archive2";
    const { stub, inside } = await roomWithHistory(name);
    const expectedEntries = ARCHIVED_DAYS.reduce((sum, [, n]) => sum + n, 0) + LOG_DAYS.reduce((sum, [, n]) => sum + n, 0);
    expect(await inside((_room, sql) => count(sql, "search_entries"))).toBe(0);
    // Yesterday is not archived yet: the alarm's archiver will archive and trim it while the backfill runs.
    expect(await inside((room) => room.archiveIndex.count(dayOf(TODAY - DAY_SECONDS)))).toBeNull();
    await inside((room) => {
      room.archiveBucket = failingBucket(room.archiveBucket, [2, 5, 6], [1]);
    });

    let runs = 0;
    let sawProgress = false;
    let postedDuring: string | null = null;
    while (await inside((room) => room.search.backfill.pending())) {
      if (++runs > 60) throw new Error("the backfill did not finish in 60 alarms");
      // (Miniflare may also fire an alarm set for now by itself; either way it runs.)
      await runDurableObjectAlarm(stub);
      const res = await stub.fetch(`${ORIGIN}/${name}/search?q=${encodeURIComponent("過去ログ")}&format=json`);
      const body = (await res.json()) as { results: unknown[]; indexing?: { days: number; daysIndexed: number; note: string } };
      if (body.indexing !== undefined && body.indexing.daysIndexed < body.indexing.days) {
        sawProgress = true;
        expect(body.indexing.note).toMatch(/still indexing/);
      }
      if (postedDuring === null) {
        // A post during the backfill is found at once.
        await stub.fetch(`${ORIGIN}/${name}/post`, {
          method: "POST",
          body: new URLSearchParams({ nick: "live", text: "posted during the backfill 過去ログ" }),
        });
        postedDuring = "posted during the backfill 過去ログ";
        const found = (await (await stub.fetch(`${ORIGIN}/${name}/search?q=${encodeURIComponent("during the backfill")}&format=json`)).json()) as {
          results: { text: string }[];
        };
        expect(found.results.map((r) => r.text)).toEqual([postedDuring]);
      }
    }
    expect(sawProgress).toBe(true);
    // Every injected failure happened: three reads of the backfill, one write of the archiver.
    expect(await inside((room) => (room.archiveBucket as CountingBucket).failures)).toBe(4);

    // The archiver ran in the same alarms: yesterday is archived and trimmed from the log.
    expect(await inside((room) => room.archiveIndex.count(dayOf(TODAY - DAY_SECONDS)))).toBe(LOG_DAYS[0]![1]);
    expect(await inside((room) => room.log.all().filter((e) => e.sec < TODAY).length)).toBeLessThan(LOG_DAYS[0]![1]);

    const all = await everyEntry(name, (fn) => inside(fn));
    expect(all.size).toBe(expectedEntries + 1);
    const result = await inside(async (room, sql) => {
      const ids = sql
        .exec<{ id: number }>("SELECT id FROM search_entries")
        .toArray()
        .map((r) => `${Math.floor(r.id / 1e6)}.${r.id % 1e6}`);
      // Each entry's own word finds it, once.
      const unfound: string[] = [];
      for (const e of all.values()) {
        const word = /e\d{5}x/.exec(e.text)?.[0] ?? e.text;
        const hits = room.search.find(parseQuery(word), null).hits;
        if (hits.length !== 1 || keyOf(hits[0]!) !== keyOf(e)) unfound.push(e.text);
      }
      return { ids, fts: count(sql, "search_fts"), unfound, alarm: await room["ctx"].storage.getAlarm() };
    });
    expect(result.unfound).toEqual([]);
    expect(new Set(result.ids)).toEqual(new Set(all.keys()));
    expect(result.ids).toHaveLength(all.size);
    expect(result.fts).toBe(all.size);
    // Done: the alarm is back to the archiver's midnight.
    expect(result.alarm).toBe(nextRunAt(Date.now()));
    expect(((await (await stub.fetch(`${ORIGIN}/${name}/search?q=x&format=json`)).json()) as { indexing?: unknown }).indexing).toBeUndefined();
  }, 60_000);

  it("should add nothing twice when its chunks run again, as after a run whose progress was lost", async () => {
    const name = "archive3";
    const { stub, inside } = await roomWithHistory(name);
    while (await inside((room) => room.search.backfill.pending())) await runDurableObjectAlarm(stub);
    const before = await inside((_room, sql) => [count(sql, "search_entries"), count(sql, "search_fts")]);
    await inside(async (room, sql) => {
      sql.exec("UPDATE search_backfill SET archive_cursor = -1, log_cursor = 0, done = 0");
      while (await room.search.backfill.run(name, room.archiveBucket, 700, 3));
    });
    expect(await inside((_room, sql) => [count(sql, "search_entries"), count(sql, "search_fts")])).toEqual(before);
    expect(before[0]).toBe(before[1]);
  }, 60_000);

  it("should not bring back an entry deleted after the backfill read its day", async () => {
    const name = "archive4";
    const { inside } = await roomWithHistory(name);
    const day = dayOf(TODAY - 5 * DAY_SECONDS);
    // The day's archive as the backfill reads it, before the deletion.
    const stale = await (await env.ARCHIVE.get(`${name}/${day}`))!.text();
    const victim = decodeDay(stale)[7]!;
    const result = await inside(async (room) => {
      const deleted = await room.admin(name, { action: "delete", permalink: permalink(victim) });
      const staleBucket = { get: async (key: string) => (key === `${name}/${day}` ? new Response(stale) : room.archiveBucket.get(key)) } as unknown as Pick<
        R2Bucket,
        "get"
      >;
      while (await room.search.backfill.run(name, staleBucket));
      return { deleted, indexed: room.search.index.has(victim.sec, victim.usec), found: room.search.find(parseQuery(`"${victim.text}"`), null).hits.length };
    });
    expect(result.deleted).toMatchObject({ ok: true, value: { deleted: { fromArchive: true } } });
    expect(result).toMatchObject({ indexed: false, found: 0 });
  }, 60_000);

  it("should merge the index in the alarm when imports leave it in many segments, and find the same after", async () => {
    const stub = env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID()));
    await stub.fetch(`${ORIGIN}/archive5/var/seq`);
    const inside = <R>(fn: (room: Room) => R | Promise<R>) => runInDurableObject(stub, fn);
    const query = parseQuery("merge 統合");
    const before = await inside((room) => {
      for (let batch = 0; batch < 24; batch++) {
        room.search.index.indexImported(
          Array.from({ length: 50 }, (_, i) => ({
            nick: "imp",
            sec: 1_600_000_000 + batch * 10_000 + i * 60,
            usec: 0,
            text: `${i % 3 === 0 ? "merge" : "keep"} ${batch}-${i} 統合`,
          })),
        );
      }
      const found: number[] = [];
      for (let next: number | null = null, page = 0; page === 0 || next !== null; page++) {
        const result = room.search.find(query, next);
        found.push(...result.hits.map((h) => h.sec));
        next = result.next;
      }
      return { segments: room.search.index.segments(), hasWork: room.search.hasWork(), found };
    });
    expect(before.segments).toBeGreaterThan(SEARCH_MAX_SEGMENTS);
    expect(before.hasWork).toBe(true);
    expect(before.found).toHaveLength(24 * 17);
    for (let run = 0; run < 50 && (await inside((room) => room.search.hasWork())); run++) await runDurableObjectAlarm(stub);
    const after = await inside((room) => {
      const found: number[] = [];
      for (let next: number | null = null, page = 0; page === 0 || next !== null; page++) {
        const result = room.search.find(query, next);
        found.push(...result.hits.map((h) => h.sec));
        next = result.next;
      }
      return { segments: room.search.index.segments(), found };
    });
    expect(after.segments).toBeLessThanOrEqual(SEARCH_MERGED_SEGMENTS);
    expect(after.found).toEqual(before.found);
  }, 60_000);

  it("should start with migration 0004: pending in a room that has history, done at once in a new one", async () => {
    const stub = env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID()));
    const states = await runInDurableObject(stub, (_room, state) => {
      const storage = state.storage;
      const fresh = backfillState(storage.sql);
      for (const { name } of storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        )
        .toArray()) {
        storage.sql.exec(`DROP TABLE IF EXISTS "${name}"`);
      }
      migrate(storage, MIGRATIONS.slice(0, 3));
      storage.sql.exec("INSERT INTO entries (seq, nick, sec, usec, text, ip) VALUES (41, 'n', 1700000000, 1, 't', '192.0.2.1')");
      storage.sql.exec("UPDATE room_state SET seq = 41, last_sec = 1700000000, last_usec = 1");
      migrate(storage);
      return { fresh, upgraded: backfillState(storage.sql) };
    });
    expect(states.fresh).toEqual({ archive_cursor: -1, log_cursor: 0, log_target: 0, done: 1 });
    expect(states.upgraded).toEqual({ archive_cursor: -1, log_cursor: 0, log_target: 41, done: 0 });
  });
});
