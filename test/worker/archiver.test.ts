import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { dayOf, DAY_SECONDS, startOfDay } from "../../src/protocol/day";
import type { Entry } from "../../src/protocol/entry";
import { decodeDay } from "../../src/room/archive/format";
import { RETRY_AFTER_MS, type ArchiveBucket } from "../../src/room/archive/archiver";
import { KEEP_LAST_ENTRIES } from "../../src/protocol/limits";
import type { Room } from "../../src/room/room";
import { ORIGIN } from "../support/rooms";

const TODAY = startOfDay(Math.floor(Date.now() / 1000));
/** The start of the day `n` days before today, in seconds. */
const daysAgo = (n: number) => TODAY - n * DAY_SECONDS;

let roomCounter = 0;

/** A room of its own (archive0, archive1, ...) with fresh storage, woken so that its name is recorded. */
async function archiveRoom() {
  const name = `archive${roomCounter++}`;
  const stub = env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID()));
  await stub.fetch(`${ORIGIN}/${name}/var/seq`);
  const inside = <R>(fn: (room: Room) => R | Promise<R>) => runInDurableObject(stub, (instance: Room) => fn(instance));
  return { name, stub, inside };
}

/** Appends `count` entries starting at `sec` (one a minute), as posts at those times would. */
function seed(room: Room, sec: number, count: number, nick = "n"): void {
  for (let i = 0; i < count; i++) room.log.append({ nick, text: `${dayOf(sec)} #${i}` }, "192.0.2.1", (sec + i * 60) * 1000);
}

async function archiveOf(name: string, day: string): Promise<{ entries: Entry[]; count: string | undefined; etag: string } | null> {
  const object = await env.ARCHIVE.get(`${name}/${day}`);
  if (object === null) return null;
  return { entries: decodeDay(await object.text()), count: object.customMetadata?.["count"], etag: object.etag };
}

describe("the archiver", () => {
  it("should write each closed day to R2 with its entry count and keep today's entries and the last 30", async () => {
    const { name, stub, inside } = await archiveRoom();
    await inside((room) => {
      seed(room, daysAgo(4), 3);
      seed(room, daysAgo(3) + 3600, 50);
      seed(room, daysAgo(1), 2);
      seed(room, TODAY, 5);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);

    for (const [n, count] of [
      [4, 3],
      [3, 50],
      [1, 2],
    ] as const) {
      const archive = await archiveOf(name, dayOf(daysAgo(n)));
      expect(archive?.count).toBe(String(count));
      expect(archive?.entries).toHaveLength(count);
      expect(archive!.entries.every((e) => dayOf(e.sec) === dayOf(daysAgo(n)))).toBe(true);
    }
    expect(await archiveOf(name, dayOf(TODAY))).toBeNull();
    expect(await archiveOf(name, dayOf(daysAgo(2)))).toBeNull();

    const log = await inside((room) => room.log.all());
    expect(log).toHaveLength(KEEP_LAST_ENTRIES);
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 31 + i));
    expect(await inside((room) => room.archiveIndex.all())).toEqual([
      { day: dayOf(daysAgo(4)), count: 3 },
      { day: dayOf(daysAgo(3)), count: 50 },
      { day: dayOf(daysAgo(1)), count: 2 },
    ]);
  });

  it("should keep every entry of today even when there are more than 30", async () => {
    const { stub, inside } = await archiveRoom();
    await inside((room) => {
      seed(room, daysAgo(1), 10);
      seed(room, TODAY, 40);
    });
    await runDurableObjectAlarm(stub);
    const log = await inside((room) => room.log.all());
    expect(log).toHaveLength(40);
    expect(log.every((e) => e.sec >= TODAY)).toBe(true);
  });

  it("should change nothing when it runs again", async () => {
    const { name, stub, inside } = await archiveRoom();
    await inside((room) => {
      seed(room, daysAgo(2), 40);
      seed(room, daysAgo(1), 40);
    });
    await runDurableObjectAlarm(stub);
    const day = dayOf(daysAgo(1));
    const [firstArchive, firstLog] = [await archiveOf(name, day), await inside((room) => room.log.all())];
    await inside((room) => room.archive(name));
    await runDurableObjectAlarm(stub);
    expect(await archiveOf(name, day)).toEqual(firstArchive);
    expect(await inside((room) => room.log.all())).toEqual(firstLog);
  });

  it("should find an archive written by an interrupted run and not rewrite it", async () => {
    const { name, stub, inside } = await archiveRoom();
    await inside((room) => seed(room, daysAgo(1), 3));
    const day = dayOf(daysAgo(1));
    const earlier = await env.ARCHIVE.put(
      `${name}/${day}`,
      await inside((room) =>
        room.log
          .all()
          .map((e) => `${JSON.stringify([e.seq, e.nick, e.sec, e.usec, e.text, e.ip])}\n`)
          .join(""),
      ),
      {
        customMetadata: { count: "3" },
      },
    );
    await runDurableObjectAlarm(stub);
    expect((await archiveOf(name, day))?.etag).toBe(earlier!.etag);
    expect(await inside((room) => room.archiveIndex.count(day))).toBe(3);
  });

  it("should retry after an R2 write fails and end with every entry archived once", async () => {
    const { name, stub, inside } = await archiveRoom();
    await inside((room) => {
      seed(room, daysAgo(3), 20);
      seed(room, daysAgo(2), 20);
      seed(room, daysAgo(1), 20);
      seed(room, TODAY, 3);
    });
    // The second day's write fails once.
    await inside((room) => {
      const real = room.archiveBucket;
      let puts = 0;
      const failingOnce: ArchiveBucket = {
        head: (key) => real.head(key),
        get: (key) => real.get(key),
        put: (key, value, options) => {
          puts++;
          if (puts === 2) return Promise.reject(new Error("injected R2 failure"));
          return real.put(key, value, options);
        },
      };
      room.archiveBucket = failingOnce;
    });
    const before = Date.now();
    await runDurableObjectAlarm(stub);
    const retryAt = await inside((room) => room["ctx"].storage.getAlarm());
    expect(retryAt).toBeGreaterThanOrEqual(before + RETRY_AFTER_MS - 1000);
    expect(retryAt).toBeLessThan(before + RETRY_AFTER_MS + 60_000);
    // Nothing left the log before its day was confirmed: all 63 entries are still there or archived.
    expect(await archiveOf(name, dayOf(daysAgo(2)))).toBeNull();
    expect(await inside((room) => room.log.all().length)).toBe(63);
    // The room keeps working meanwhile.
    expect((await stub.fetch(`${ORIGIN}/${name}/post`, { method: "POST", body: new URLSearchParams({ nick: "a", text: "during" }) })).status).toBe(200);

    await runDurableObjectAlarm(stub);
    const archived = [];
    for (const n of [3, 2, 1]) archived.push(...(await archiveOf(name, dayOf(daysAgo(n))))!.entries);
    const log = await inside((room) => room.log.all());
    const archivedSeqs = archived.map((e) => e.seq);
    expect(new Set(archivedSeqs).size).toBe(archivedSeqs.length);
    expect(archivedSeqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // The log holds today's entries and, of the archived days, only copies kept as the last 30.
    const logOfToday = log.filter((e) => e.sec >= TODAY);
    expect(logOfToday.map((e) => e.seq)).toEqual([61, 62, 63, 64]);
    const keptCopies = log.filter((e) => e.sec < TODAY);
    expect(keptCopies).toEqual(archived.filter((e) => keptCopies.some((k) => k.seq === e.seq)));
    expect(log).toHaveLength(KEEP_LAST_ENTRIES);
    // And it re-armed for just after the next midnight.
    expect(await inside((room) => room["ctx"].storage.getAlarm())).toBe((TODAY + DAY_SECONDS) * 1000 + 5000);
  });

  it("should catch up a room idle for 10 days in one run", async () => {
    const { name, stub, inside } = await archiveRoom();
    await inside((room) => {
      seed(room, daysAgo(12), 15);
      seed(room, daysAgo(11), 15);
      seed(room, daysAgo(10), 15);
    });
    await runDurableObjectAlarm(stub);
    for (const n of [12, 11, 10]) expect((await archiveOf(name, dayOf(daysAgo(n))))?.count).toBe("15");
    expect(await inside((room) => room.log.all().length)).toBe(KEEP_LAST_ENTRIES);
  });

  it("should arm itself for just after the next UTC midnight on the room's first request", async () => {
    const { inside } = await archiveRoom();
    expect(await inside((room) => room["ctx"].storage.getAlarm())).toBe((TODAY + DAY_SECONDS) * 1000 + 5000);
  });

  it("should archive days that the clock has left behind", async () => {
    const { name, stub, inside } = await archiveRoom();
    await inside((room) => seed(room, TODAY, 35));
    await inside((room) => room.clock.advance(2 * DAY_SECONDS * 1000));
    await runDurableObjectAlarm(stub);
    expect((await archiveOf(name, dayOf(TODAY)))?.count).toBe("35");
    expect(await inside((room) => room.log.all().length)).toBe(30);
  });
});
