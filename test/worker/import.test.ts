/**
 * The admin import and export endpoints of a room, inside the Workers runtime:
 * days to R2 as the archiver writes them, the current log and the sequence,
 * idempotence by timestamp, the room's own posts, blocklist and kept users.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { dayOf, dayStart, DAY_SECONDS, startOfDay } from "../../src/protocol/day";
import { entryAnchor } from "../../src/protocol/entry";
import type { ExportDay, ExportStatus, ImportBatch, ImportReply, ImportStatus, TransferEntry } from "../../src/protocol/transfer";

type TransferResult = RoomResult<unknown>;
import type { RoomResult } from "../../src/protocol/room-result";
import type { TransferCommand } from "../../src/protocol/transfer";
import { decodeDay } from "../../src/room/archive/format";
import type { Room } from "../../src/room/room";
import { parseHtml } from "../support/html";
import { ORIGIN, send } from "../support/rooms";
import { basicAuth } from "../support/basic-auth";

const TOKEN = "test-admin-token";
const TODAY = startOfDay(Math.floor(Date.now() / 1000));
let counter = 0;

/** A configured room name (R2 keys carry it) on fresh storage, and days of its own so that no two tests share an archive key. */
function freshImportRoom(name = `archive${counter % 12}`) {
  const stub = env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID())) as DurableObjectStub<Room>;
  const firstDay = dayStart("2009/06/01") + 20 * DAY_SECONDS * counter++;
  const transfer = async (command: TransferCommand): Promise<TransferResult> => (await stub.transfer(name, command)) as unknown as TransferResult;
  const ok = async <T>(command: TransferCommand): Promise<T> => {
    const result = await transfer(command);
    if (!result.ok) throw new Error(`${result.status} ${result.reason}`);
    return result.value as T;
  };
  const importBatch = (batch: ImportBatch) => ok<ImportReply>({ action: "import", batch });
  const page = (path: string, init?: RequestInit) => stub.fetch(`${ORIGIN}/${name}/${path}`, init);
  return { name, stub, firstDay, transfer, ok, importBatch, page };
}

/** `n` entries of the day starting at `start`, positions from `seq`. */
function entriesOf(start: number, n: number, seq: number, nick = "alice"): TransferEntry[] {
  return Array.from(
    { length: n },
    (_, i): TransferEntry => [seq + i, nick, start + 3600 + i * 60, (i * 7919) % 1_000_000, `entry ${i} of ${dayOf(start)}`, "192.0.2.7"],
  );
}

async function archived(name: string, day: string) {
  const object = await env.ARCHIVE.get(`${name}/${day}`);
  return object === null
    ? null
    : { entries: decodeDay(await object.text()), count: object.customMetadata?.["count"], etag: object.etag, type: object.httpMetadata?.contentType };
}

describe("importing an original room", () => {
  it("should write closed days to R2 as the archiver does, so that each permalink opens its entry", async () => {
    const room = freshImportRoom();
    const day1 = dayOf(room.firstDay);
    const day2 = dayOf(room.firstDay + DAY_SECONDS);
    const first = entriesOf(room.firstDay, 3, 1);
    // The first and last microsecond of the day, and text longer than any post may be.
    first.push([4, "bob", room.firstDay, 0, "x".repeat(5000), "0.0.0.0"], [5, "bob", room.firstDay + DAY_SECONDS - 1, 999_999, "last\nof the day", "0.0.0.0"]);
    const second = entriesOf(room.firstDay + DAY_SECONDS, 2, 6);
    const reply = await room.importBatch({
      kind: "days",
      archivesOnly: false,
      days: [
        { day: day1, entries: first },
        { day: day2, entries: second },
      ],
    });
    expect(reply).toEqual({
      kind: "days",
      days: [
        { day: day1, added: 5, present: 0 },
        { day: day2, added: 2, present: 0 },
      ],
    });

    const stored = await archived(room.name, day1);
    expect(stored?.count).toBe("5");
    expect(stored?.type).toBe("application/x-ndjson; charset=utf-8");
    expect(stored?.entries.map((e) => [e.seq, e.nick, e.sec, e.usec, e.text, e.ip])).toEqual(first);

    const res = await room.page(`a/${day1}`);
    expect(res.status).toBe(200);
    const { elements } = await parseHtml(await res.text());
    const ids = elements.filter((el) => el.attrs["class"] === "entry").map((el) => el.attrs["id"]);
    expect(ids).toEqual(first.map(([, , sec, usec]) => entryAnchor({ sec, usec })));
    expect(elements.filter((el) => el.attrs["class"] === "permalink").map((el) => el.attrs["href"])).toContain(
      `/${room.name}/a/${day1}#entry-${room.firstDay.toString(16)}-00`,
    );
    // The month panel lists both days with their counts.
    expect(elements.filter((el) => el.tag === "a" && el.attrs["href"]?.startsWith(`/${room.name}/a/`)).map((el) => el.attrs["href"])).toContain(
      `/${room.name}/a/${day2}`,
    );

    const status = await room.ok<ImportStatus>({ action: "import-status" });
    expect(status.importedDays).toEqual([
      { day: day1, count: 5 },
      { day: day2, count: 2 },
    ]);
    expect(status.ownPosts).toBe(0);
  });

  it("should add nothing when the same days come again, and not rewrite them", async () => {
    const room = freshImportRoom();
    const day = dayOf(room.firstDay);
    const entries = entriesOf(room.firstDay, 4, 1);
    await room.importBatch({ kind: "days", archivesOnly: false, days: [{ day, entries }] });
    const before = await archived(room.name, day);
    const again = await room.importBatch({ kind: "days", archivesOnly: false, days: [{ day, entries }] });
    expect(again).toEqual({ kind: "days", days: [{ day, added: 0, present: 4 }] });
    expect((await archived(room.name, day))?.etag).toBe(before?.etag);
    // A day that grew gains only its new entries, in time order.
    const grown = [...entries, ...entriesOf(room.firstDay + 7200, 2, 5, "carol")];
    const more = await room.importBatch({ kind: "days", archivesOnly: false, days: [{ day, entries: grown }] });
    expect(more).toEqual({ kind: "days", days: [{ day, added: 2, present: 4 }] });
    const after = await archived(room.name, day);
    expect(after?.count).toBe("6");
    expect(after?.entries.map((e) => e.sec)).toEqual([...grown.map((e) => e[2])].sort((a, b) => a - b));
  });

  it("should remove what XML forbids and keep everything else of nick and text exactly", async () => {
    const room = freshImportRoom();
    const day = dayOf(room.firstDay);
    const text = "a\u0001b\u000bc\ufffe \u200b zero-width, 𠮷 non-BMP, 日本語, tab\tand CR\r";
    await room.importBatch({
      kind: "days",
      archivesOnly: false,
      days: [
        {
          day,
          entries: [
            [1, " nick\u0007 ", room.firstDay, 5, text, "192.0.2.1"],
            [2, "n", room.firstDay, 6, "\u0001\u0002", "0.0.0.0"],
          ],
        },
      ],
    });
    const stored = await archived(room.name, day);
    expect(stored?.entries.map((e) => [e.nick, e.text])).toEqual([
      [" nick ", "abc \u200b zero-width, 𠮷 non-BMP, 日本語, tab\tand CR\r"],
      ["n", ""],
    ]);
  });

  it("should put the current entries in the log and continue the sequence from the original's", async () => {
    const room = freshImportRoom("lobby");
    const closed = entriesOf(TODAY - DAY_SECONDS, 3, 998);
    const today = entriesOf(TODAY - 3600, 2, 1001).map((e, i): TransferEntry => [e[0], e[1], TODAY + i, 1, e[4], i === 0 ? "" : e[5]]);
    const reply = await room.importBatch({ kind: "current", entries: [...closed, ...today], sequence: 1000, lastPost: TODAY + 1 });
    expect(reply).toEqual({ kind: "current", added: 5, present: 0, sequence: 1002 });
    const seqText = await (await room.page("var/seq")).text();
    expect(seqText).toBe("1002");
    const { cid } = (await (await room.page("comet?p=0&s=0")).json()) as { cid: number };
    const comet = (await (await room.page(`comet?p=0&s=0&c=${cid}`)).json()) as { pos: number; content: [string, [number, number], string][] };
    expect(comet.pos).toBe(1002);
    expect(comet.content.map((c) => c[1])).toEqual([...closed, ...today].map((e) => [e[2], e[3]]));
    // A new post takes the next position and a later time.
    const posted = await room.page("post", {
      method: "POST",
      body: new URLSearchParams({ nick: "new", text: "after the move" }),
      headers: { Accept: "application/json" },
    });
    expect(await posted.json()).toMatchObject({ stored: true, pos: 1003 });
    // The same batch again adds nothing; the room now has a post of its own, so it is refused.
    const again = await room.transfer({ action: "import", batch: { kind: "current", entries: today, sequence: 1000, lastPost: 0 } });
    expect(again).toMatchObject({ ok: false, status: 409, reason: expect.stringMatching(/1 post of its own/) });
  });

  it("should never lower the sequence and add nothing on a second run", async () => {
    const room = freshImportRoom("lobby");
    const entries = entriesOf(TODAY, 3, 1);
    await room.importBatch({ kind: "current", entries, sequence: 2, lastPost: 0 });
    expect((await room.ok<ImportStatus>({ action: "import-status" })).sequence).toBe(3);
    const again = await room.importBatch({ kind: "current", entries, sequence: 2, lastPost: 0 });
    expect(again).toEqual({ kind: "current", added: 0, present: 3, sequence: 3 });
  });

  it("should refuse a room with posts of its own, and with --archives-only add only the days before its first post", async () => {
    const room = freshImportRoom();
    const ownDay = room.firstDay + 5 * DAY_SECONDS;
    await room.page("var/seq");
    await runInRoom(room.stub, (instance) => instance.log.append({ nick: "own", text: "first own post" }, "192.0.2.9", (ownDay + 10) * 1000));
    const days = [0, 4, 5, 6].map((n) => ({ day: dayOf(room.firstDay + n * DAY_SECONDS), entries: entriesOf(room.firstDay + n * DAY_SECONDS, 2, 0) }));
    const refused = await room.transfer({ action: "import", batch: { kind: "days", archivesOnly: false, days } });
    expect(refused).toMatchObject({ ok: false, status: 409, reason: expect.stringMatching(/1 post of its own.*archives-only/) });
    expect(await archived(room.name, days[0]!.day)).toBeNull();

    const status = await room.ok<ImportStatus>({ action: "import-status" });
    expect(status).toMatchObject({ ownPosts: 1, firstOwnDay: dayOf(ownDay) });
    const reply = await room.importBatch({ kind: "days", archivesOnly: true, days });
    expect(reply.kind === "days" && reply.days.map((d) => [d.day, d.added, d.skipped ?? null])).toEqual([
      [days[0]!.day, 2, null],
      [days[1]!.day, 2, null],
      [days[2]!.day, 0, expect.stringMatching(/first post/)],
      [days[3]!.day, 0, expect.stringMatching(/first post/)],
    ]);
    expect(await archived(room.name, days[2]!.day)).toBeNull();
    expect((await room.ok<ImportStatus>({ action: "import-status" })).firstOwnDay).toBe(dayOf(ownDay));
  });

  it("should refuse a day that is not over on the room's clock", async () => {
    const room = freshImportRoom();
    const result = await room.transfer({
      action: "import",
      batch: { kind: "days", archivesOnly: false, days: [{ day: dayOf(TODAY), entries: entriesOf(TODAY, 1, 1) }] },
    });
    expect(result).toMatchObject({ ok: false, status: 400, reason: expect.stringMatching(/not over yet/) });
  });

  it("should add blocklist rules once", async () => {
    const room = freshImportRoom();
    const first = await room.importBatch({ kind: "blocklist", rules: "192.168.1.0/24 # imported\n127.0.0.66\n" });
    expect(first).toEqual({ kind: "blocklist", added: ["192.168.1.0/24", "127.0.0.66"], present: 0, errors: [] });
    expect(await room.importBatch({ kind: "blocklist", rules: "192.168.1.0/24\n127.0.0.66\n" })).toMatchObject({ added: [], present: 2 });
    const blocked = await room.page("post", {
      method: "POST",
      body: new URLSearchParams({ nick: "spam", text: "spam" }),
      headers: { "CF-Connecting-IP": "127.0.0.66", Accept: "application/json" },
    });
    expect(await blocked.json()).toMatchObject({ stored: true, pos: 0 });
  });

  it("should export the room's state and each day with addresses", async () => {
    const room = freshImportRoom("lobby");
    const day = dayOf(room.firstDay);
    const entries = entriesOf(room.firstDay, 2, 1);
    await room.importBatch({ kind: "days", archivesOnly: false, days: [{ day, entries }] });
    await room.importBatch({ kind: "current", entries: entriesOf(TODAY, 1, 3), sequence: 10, lastPost: 0 });
    const status = await room.ok<ExportStatus>({ action: "export-status" });
    expect(status).toMatchObject({ sequence: 10, days: [{ day, count: 2 }], current: entriesOf(TODAY, 1, 3) });
    expect(status.lastPost).toBe(TODAY + 3600);
    expect(await room.ok<ExportDay>({ action: "export-day", day })).toEqual({ day, entries });
    expect(await room.ok<ExportDay>({ action: "export-day", day: dayOf(TODAY) })).toEqual({ day: dayOf(TODAY), entries: entriesOf(TODAY, 1, 3) });
  });

  it("should serve a day as JSON without addresses", async () => {
    const room = freshImportRoom();
    const day = dayOf(room.firstDay);
    const entries = entriesOf(room.firstDay, 2, 1);
    await room.importBatch({ kind: "days", archivesOnly: false, days: [{ day, entries }] });
    const res = await room.page(`a/${day}.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ room: room.name, day, entries: entries.map(([, nick, sec, usec, text]) => [nick, [sec, usec], text]) });
    expect((await room.page("a/2009/02/30.json")).status).toBe(404);
  });
});

async function runInRoom<R>(stub: DurableObjectStub<Room>, fn: (room: Room) => R): Promise<R> {
  const { runInDurableObject } = await import("cloudflare:test");
  return runInDurableObject(stub, fn);
}

describe("the admin import and export routes", () => {
  const admin = (path: string, init: RequestInit = {}, token = TOKEN) =>
    send(path, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, ...(init.body ? { "Content-Type": "application/json" } : {}), ...(init.headers as Record<string, string>) },
    });

  it("should need the admin token", async () => {
    expect((await admin("/archive11/admin/import", {}, "wrong")).status).toBe(401);
    expect((await admin("/archive11/admin/export", {}, "wrong")).status).toBe(401);
  });

  it("should answer bad batches with 4xx and a reason", async () => {
    const day = "2010/01/01";
    const cases: [BodyInit, number, RegExp, Record<string, string>?][] = [
      ["not json", 400, /not UTF-8 JSON/],
      [JSON.stringify({ kind: "nothing" }), 400, /kind must be/],
      [JSON.stringify({ kind: "days", days: [{ day: "2010/02/30", entries: [] }] }), 400, /not a day/],
      [
        JSON.stringify({ kind: "days", days: [{ day, entries: [[1, "n", dayStart("2010/01/02"), 0, "t", ""]] }] }),
        400,
        /2010\/01\/01 entry 1: its time is on 2010\/01\/02/,
      ],
      [JSON.stringify({ kind: "days", days: [{ day, entries: [[1, "n", dayStart(day), 1_000_000, "t", ""]] }] }), 400, /usec/],
      [
        JSON.stringify({
          kind: "days",
          days: [
            {
              day,
              entries: [
                [1, "n", dayStart(day), 1, "t", ""],
                [2, "n", dayStart(day), 1, "u", ""],
              ],
            },
          ],
        }),
        400,
        /two entries at/,
      ],
      [JSON.stringify({ kind: "users", users: [{ user: "a b", hash: "x" }] }), 400, /user name/],
      ["{}", 415, /application\/json/, { "Content-Type": "text/plain" }],
    ];
    for (const [body, status, reason, headers] of cases) {
      const res = await admin("/archive11/admin/import", { method: "POST", body, headers });
      expect([res.status, await res.text()]).toEqual([status, expect.stringMatching(reason)]);
    }
    expect((await admin("/archive11/admin/export?day=2010/13/01")).status).toBe(400);
    expect((await admin("/archive11/admin/export", { method: "POST", body: "{}" })).status).toBe(405);
  });
});

describe("users kept from an htpasswd file", () => {
  it("should sign in with the original password, then with the record it was replaced by", async () => {
    const user = `apr-${crypto.randomUUID().slice(0, 8)}`;
    const res = await send("/secret/admin/import", {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        kind: "users",
        users: [
          { user, hash: "$apr1$2lG5sWKX$CzYx2Nrf4Jy7S.8e8ReqF1" },
          { user: `${user}-sha512`, hash: "$6$e3Ot9wYEFt19lSce$9Bx5gO2tAucMu9icu3tBoXx6US1g1PHcCExbcoko0kN7dILVdu5NAZ3tQj.l4Xn8iGwqlGUDzqyx3owzxkxwQ." },
        ],
      }),
    });
    expect(await res.json()).toEqual({ kind: "users", added: [user], present: [], refused: [{ user: `${user}-sha512`, reason: "unknown password format" }] });

    const stub = env.ROOM.get(env.ROOM.idFromName("secret"));
    expect(await stub.authenticate("secret", user, "wrong password", "192.0.2.50")).toEqual({ ok: true, value: { ok: false, retryAfter: 0 } });
    expect(await runInRoomNamed(stub, (room) => room.users.record(user))).toEqual({ algorithm: "htpasswd", hash: "$apr1$2lG5sWKX$CzYx2Nrf4Jy7S.8e8ReqF1" });
    expect((await send("/secret/var/seq", { headers: { Authorization: basicAuth(user, "apr password"), "CF-Connecting-IP": "192.0.2.51" } })).status).toBe(200);
    const upgraded = await runInRoomNamed(stub, (room) => room.users.record(user));
    expect(upgraded?.algorithm).toBe("pbkdf2-sha256");
    expect(await stub.authenticate("secret", user, "apr password", "192.0.2.52")).toEqual({ ok: true, value: { ok: true } });
    // A run again does not put the old record back.
    const again = await send("/secret/admin/import", {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ kind: "users", users: [{ user, hash: "$apr1$2lG5sWKX$CzYx2Nrf4Jy7S.8e8ReqF1" }] }),
    });
    expect(await again.json()).toMatchObject({ added: [], present: [user] });
    expect((await runInRoomNamed(stub, (room) => room.users.record(user)))?.algorithm).toBe("pbkdf2-sha256");
  });

  it("should guard a private room's day JSON like its archive page", async () => {
    expect((await send("/secret/a/2010/01/01.json")).status).toBe(401);
  });
});

async function runInRoomNamed<R>(stub: DurableObjectStub, fn: (room: Room) => R): Promise<R> {
  const { runInDurableObject } = await import("cloudflare:test");
  return runInDurableObject(stub, fn);
}
