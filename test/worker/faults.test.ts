/**
 * Faults that lose nothing (issue 18): R2 failing during the archiver, a
 * moderation delete and an import, each while people keep posting. Two kinds
 * of failure are injected through the room's bucket seam: a write that fails
 * outright, and one that R2 carried out but whose answer was lost. After the
 * retry every acknowledged entry is in the room's history exactly once (its
 * day's archive, or the current log for days not archived) and searchable
 * exactly once; a deleted entry is nowhere.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { dayOf, dayStart, DAY_SECONDS, startOfDay } from "../../src/protocol/day";
import { entryAnchor, type Entry } from "../../src/protocol/entry";
import type { TransferEntry } from "../../src/protocol/transfer";
import type { ArchiveBucket } from "../../src/room/archive/archiver";
import { decodeDay } from "../../src/room/archive/format";
import type { Room } from "../../src/room/room";
import { send } from "../support/rooms";

const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
const TODAY = startOfDay(Math.floor(Date.now() / 1000));
const stubOf = (room: string) => env.ROOM.getByName(room);

type Fault = "fails" | "answer lost";

/** What an injected fault saw: the bucket's puts, and the failures it threw. */
interface InjectedFault {
  puts: number;
  failures: number;
  /** Resolves when the faulty put has begun (it is then in flight until `hold` settles). */
  reached: Promise<void>;
}

/** A promise and the function that settles it, for the test to release a held write. */
function gate(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/**
 * Makes the room's bucket fail its `nth` put (1-based) the way `fault` says;
 * the other calls go to R2. With `hold`, the faulty put stays in flight (for
 * "answer lost", after R2 took the object) until `hold` resolves.
 */
function injectPutFault(room: Room, nth: number, fault: Fault, hold?: Promise<void>): InjectedFault {
  const real = room.archiveBucket;
  const reached = gate();
  const seen: InjectedFault = { puts: 0, failures: 0, reached: reached.promise };
  const faulty: ArchiveBucket = {
    head: (key) => real.head(key),
    get: (key) => real.get(key),
    put: async (key, value, options) => {
      seen.puts++;
      if (seen.puts !== nth) return real.put(key, value, options);
      reached.release();
      if (fault === "answer lost") await real.put(key, value, options);
      if (hold !== undefined) await hold;
      seen.failures++;
      throw new Error(`injected R2 failure (${fault})`);
    },
  };
  room.archiveBucket = faulty;
  return seen;
}

/** Puts the real bucket back behind one that records the keys put, so a retry's writes can be checked. */
function restoreRecording(room: Room): string[] {
  const real = env.ARCHIVE;
  const keys: string[] = [];
  room.archiveBucket = {
    head: (key) => real.head(key),
    get: (key) => real.get(key),
    put: (key, value, options) => {
      keys.push(key);
      return real.put(key, value, options);
    },
  };
  return keys;
}

function restoreBucket(room: Room): void {
  room.archiveBucket = env.ARCHIVE;
}

/** Posts through the Worker, each of which must be acknowledged (200): their texts. */
async function postAll(room: string, texts: string[]): Promise<string[]> {
  const statuses: [string, number][] = [];
  for (const text of texts) {
    const res = await send(`/${room}/post`, {
      method: "POST",
      body: new URLSearchParams({ nick: "poster", text }),
      headers: { "CF-Connecting-IP": "192.0.2.10" },
    });
    statuses.push([text, res.status]);
    await res.arrayBuffer();
  }
  expect(statuses, "every post acknowledged").toEqual(texts.map((text) => [text, 200]));
  return texts;
}

/** A day's entries as the room serves them through the Worker (a/YYYY/MM/DD.json): their texts. */
async function servedDay(room: string, day: string): Promise<string[]> {
  const res = await send(`/${room}/a/${day}.json`);
  expect(res.status, `a/${day}.json`).toBe(200);
  const body = (await res.json()) as { entries: [string, [number, number], string][] };
  return body.entries.map((e) => e[2]);
}

/** The room's history: every archived day from R2, then the log's entries of days not archived; and the texts search holds. */
async function history(room: string): Promise<{ texts: string[]; searchable: string[] }> {
  const { days, log, searchable } = await runInDurableObject(stubOf(room), (r: Room, state) => ({
    days: r.archiveIndex.all().map((d) => d.day),
    log: r.log.all(),
    // Once the posts waiting for search are indexed, as a search would first.
    searchable: (r.search.pending.indexWaiting(), state.storage.sql)
      .exec<{ text: string }>("SELECT text FROM search_entries")
      .toArray()
      .map((row) => row.text),
  }));
  const archived: Entry[] = [];
  for (const day of days) {
    const object = await env.ARCHIVE.get(`${room}/${day}`);
    expect(object, `archive of ${day}`).not.toBeNull();
    archived.push(...decodeDay(await object!.text()));
  }
  const archivedDays = new Set(days);
  const unarchived = log.filter((e) => !archivedDays.has(dayOf(e.sec)));
  return { texts: [...archived, ...unarchived].map((e) => e.text), searchable };
}

function expectEachOnce(all: string[], wanted: string[], what: string): void {
  const counts = new Map<string, number>();
  for (const text of all) counts.set(text, (counts.get(text) ?? 0) + 1);
  const wrong = wanted.filter((text) => counts.get(text) !== 1).map((text) => `${text}: ${counts.get(text) ?? 0}`);
  expect(wrong, what).toEqual([]);
}

describe("an R2 failure during the archiver", () => {
  for (const [room, fault] of [
    ["archive0", "fails"],
    ["archive1", "answer lost"],
  ] as const) {
    it(`should keep every acknowledged entry exactly once when a day's write ${fault === "fails" ? "fails" : "is done but its answer lost"}, posts going on`, async () => {
      const stub = stubOf(room);
      await send(`/${room}/var/seq`);
      // Three closed days, as posted on those days, and today's posts.
      const past = await runInDurableObject(stub, (r: Room) => {
        const made: string[] = [];
        for (let d = 3; d >= 1; d--) {
          for (let i = 0; i < 15; i++)
            made.push(r.log.append({ nick: "old", text: `day -${d} #${i}` }, "192.0.2.1", (TODAY - d * DAY_SECONDS + i * 60) * 1000).text);
        }
        return made;
      });
      const closed = [3, 2, 1].map((d) => dayOf(TODAY - d * DAY_SECONDS));
      const before = await postAll(room, ["today 1", "today 2"]);
      // The first run's second write (the day before yesterday) fails, held in flight while people post.
      const held = gate();
      const injected = await runInDurableObject(stub, (r: Room) => injectPutFault(r, 2, fault, held.promise));
      const firstRun = runDurableObjectAlarm(stub);
      const reachedFirst = await Promise.race([injected.reached.then(() => "write in flight"), firstRun.then(() => "run over")]);
      expect(reachedFirst, "the first run reached the injected write").toBe("write in flight");
      const inFlight = await postAll(room, ["in flight 1", "in flight 2", "in flight 3"]);
      expect(injected.failures, "the write is still in flight while those posts are made").toBe(0);
      held.release();
      expect(await firstRun, "the archiver's alarm ran").toBe(true);
      expect({ puts: injected.puts, failures: injected.failures }, "the first run hit the injected failure").toEqual({ puts: 2, failures: 1 });
      // Only the day written before the failure is recorded; the failed day's object is in R2 only if R2 did the write.
      expect(await runInDurableObject(stub, (r: Room) => r.archiveIndex.all().map((d) => d.day))).toEqual([closed[0]]);
      expect((await env.ARCHIVE.head(`${room}/${closed[1]}`)) !== null, "the failed day's object in R2").toBe(fault === "answer lost");
      expect(await env.ARCHIVE.head(`${room}/${closed[2]}`), "the day after the failure is not tried").toBeNull();

      const during = await postAll(room, ["during 1", "during 2", "during 3"]);
      const retryPuts = await runInDurableObject(stub, restoreRecording);
      expect(await runDurableObjectAlarm(stub)).toBe(true);
      // The retry writes what is missing; an object R2 already holds is recorded, not written again.
      expect(retryPuts).toEqual((fault === "fails" ? closed.slice(1) : closed.slice(2)).map((day) => `${room}/${day}`));
      const after = await postAll(room, ["after 1"]);

      const todays = [...before, ...inFlight, ...during, ...after];
      const acknowledged = [...past, ...todays];
      const { texts, searchable } = await history(room);
      expectEachOnce(texts, acknowledged, "history");
      expect(texts).toHaveLength(acknowledged.length);
      expectEachOnce(searchable, acknowledged, "search");
      const days = await runInDurableObject(stub, (r: Room) => r.archiveIndex.all().map((d) => [d.day, d.count]));
      expect(days).toEqual(closed.map((day) => [day, 15]));

      // Served as they were posted: each closed day from its archive, today's posts (those made during the write among them) from the log...
      for (const [i, day] of closed.entries()) expect(await servedDay(room, day), day).toEqual(past.slice(i * 15, (i + 1) * 15));
      const today = dayOf(TODAY);
      expect(await servedDay(room, today)).toEqual(todays);
      // ...and, once today is over, archived whole and served from its archive.
      await runInDurableObject(stub, (r: Room) => r.clock.advance(DAY_SECONDS * 1000));
      expect(await runDurableObjectAlarm(stub)).toBe(true);
      expect(retryPuts.at(-1)).toBe(`${room}/${today}`);
      const archivedToday = await env.ARCHIVE.get(`${room}/${today}`);
      expect(archivedToday, "today's archive").not.toBeNull();
      expect(decodeDay(await archivedToday!.text()).map((e) => e.text)).toEqual(todays);
      expect(await servedDay(room, today)).toEqual(todays);
      const final = await history(room);
      expectEachOnce(final.texts, acknowledged, "history once today is archived");
      expect(final.texts).toHaveLength(acknowledged.length);
      expectEachOnce(final.searchable, acknowledged, "search once today is archived");
    });
  }
});

describe("an R2 failure during a moderation delete", () => {
  it("should answer 503 with Retry-After, keep the rest exactly once, and finish the deletion on the retry", async () => {
    const room = "archive2";
    const stub = stubOf(room);
    await send(`/${room}/var/seq`);
    const made = await runInDurableObject(stub, (r: Room) => {
      const entries: Entry[] = [];
      for (let i = 0; i < 40; i++) entries.push(r.log.append({ nick: "alice", text: `yesterday ${i}` }, "192.0.2.1", (TODAY - DAY_SECONDS + i * 60) * 1000));
      return entries;
    });
    await runDurableObjectAlarm(stub);
    const victim = made[35]!; // archived, and still in the log as one of the last 30
    const permalink = `a/${dayOf(victim.sec)}#${entryAnchor(victim)}`;
    const injected = await runInDurableObject(stub, (r: Room) => injectPutFault(r, 1, "fails"));
    const during = await postAll(room, ["while deleting"]);
    const failed = await send(`/${room}/admin/delete`, { method: "POST", body: new URLSearchParams({ permalink }), headers: ADMIN });
    expect(failed.status).toBe(503);
    expect(Number(failed.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await failed.text()).toMatch(/try again/);
    expect({ puts: injected.puts, failures: injected.failures }, "the delete hit the injected failure").toEqual({ puts: 1, failures: 1 });

    const retried = await send(`/${room}/admin/delete`, { method: "POST", body: new URLSearchParams({ permalink }), headers: ADMIN });
    expect(retried.status).toBe(200);
    expect({ puts: injected.puts, failures: injected.failures }, "the retry rewrote the day once, without failing").toEqual({ puts: 2, failures: 1 });
    expect(((await retried.json()) as { deleted: { fromArchive: boolean } }).deleted.fromArchive).toBe(true);

    const acknowledged = [...made.map((e) => e.text).filter((t) => t !== victim.text), ...during];
    const { texts, searchable } = await history(room);
    expectEachOnce(texts, acknowledged, "history");
    expect(texts).not.toContain(victim.text);
    expect(searchable).not.toContain(victim.text);
    expect(await runInDurableObject(stub, (r: Room) => r.log.all().some((e) => e.text === victim.text))).toBe(false);
    const audit = (await (await send(`/${room}/admin/audit`, { headers: ADMIN })).json()) as { audit: { action: string; target: string }[] };
    expect(audit.audit.filter((e) => e.action === "delete-entry").map((e) => e.target)).toEqual([permalink]);
  });
});

describe("an R2 failure during an import", () => {
  /** `n` entries of a closed day, as an original room had them. */
  const entriesOf = (day: string, n: number, seq: number): TransferEntry[] =>
    Array.from({ length: n }, (_, i) => [seq + i, "orig", dayStart(day) + 3600 + i * 60, i, `${day} imported #${i}`, "192.0.2.7"]);

  for (const [room, fault] of [
    ["archive3", "fails"],
    ["archive4", "answer lost"],
  ] as const) {
    it(`should add every entry exactly once when the batch is sent again after a write that ${fault === "fails" ? "failed" : "was done but its answer lost"}`, async () => {
      const days = ["2011/03/01", "2011/03/02", "2011/03/03"];
      const batch = { kind: "days", archivesOnly: false, days: days.map((day, i) => ({ day, entries: entriesOf(day, 10, 1 + i * 10) })) };
      const importBatch = () =>
        send(`/${room}/admin/import`, { method: "POST", body: JSON.stringify(batch), headers: { ...ADMIN, "Content-Type": "application/json" } });
      await send(`/${room}/var/seq`);
      const injected = await runInDurableObject(stubOf(room), (r: Room) => injectPutFault(r, 2, fault));
      const failed = await importBatch();
      expect(failed.status).toBe(503);
      await failed.arrayBuffer();
      // The days are written side by side: each was tried, one failed; R2 holds the failed one only if it did the write.
      expect({ puts: injected.puts, failures: injected.failures }, "the import hit the injected failure").toEqual({ puts: 3, failures: 1 });
      const inR2 = await Promise.all(days.map(async (day) => (await env.ARCHIVE.head(`${room}/${day}`)) !== null));
      expect(inR2.filter(Boolean), "days in R2 after the failure").toHaveLength(fault === "fails" ? 2 : 3);
      await runInDurableObject(stubOf(room), restoreBucket);
      const retried = await importBatch();
      expect(retried.status).toBe(200);
      await retried.arrayBuffer();
      const again = (await (await importBatch()).json()) as { days: { added: number }[] };
      expect(again.days.map((d) => d.added)).toEqual([0, 0, 0]);

      const acknowledged = batch.days.flatMap((d) => d.entries.map((e) => e[4]));
      const { texts, searchable } = await history(room);
      expectEachOnce(texts, acknowledged, "history");
      expect(texts).toHaveLength(acknowledged.length);
      expectEachOnce(searchable, acknowledged, "search");
    });
  }
});
