/**
 * Where a comet request waits (src/room/transports/comet.ts): inside a room
 * that is talking (src/room/live/pace.ts) until it is quiet, then on a socket
 * to the Worker (src/room/transports/in-room-holds.ts), as in a room that was
 * quiet already, so the room can sleep; the client sees the same replies,
 * news and pings, either way.
 */
import { describe, expect, it } from "vitest";
import { HELD_TAG, heldCount, heldWaiters } from "../../src/room/transports/held-sockets";
import { freshRoom, settlesWithin, type TestRoom } from "../support/rooms";

/** The test configuration's COMET_IN_ROOM_SECONDS and COMET_HOLD_SECONDS, and the hold_seconds of its room "brief". */
const IN_ROOM_MS = 1_000;
const HOLD_MS = 2_000;
const BRIEF_HOLD_MS = 500;

/** Requests held now: in the room's long-poll, and of those, on sockets. */
const holds = (room: TestRoom) => room.inside((r) => ({ held: r.longpoll.size, onSockets: r["ctx"].getWebSockets(HELD_TAG).length }));

/** Moves the room's clock past the time it holds requests inside itself after its last post. */
const quiet = (room: TestRoom) => room.inside((r) => r.clock.advance(IN_ROOM_MS + 1_000));

/** Posts and reads the whole answer (an unread body would keep the room from being evicted). */
async function post(room: TestRoom, text: string): Promise<void> {
  const res = await room.post({ nick: "a", text });
  await res.arrayBuffer();
  expect(res.status).toBe(200);
}

describe("where a comet request waits", () => {
  it("should hold it inside a room that has just had a post, and answer it with the next", async () => {
    const room = freshRoom();
    await post(room, "first");
    const cid = await room.issueCid();
    const inRoom = room.cometJson({ c: cid, p: 1, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 0 });
    await post(room, "second");
    expect(await inRoom).toMatchObject({ pos: 2, cid });
    expect((await inRoom).content.map((e) => e[2])).toEqual(["second"]);
    expect(await holds(room)).toEqual({ held: 0, onSockets: 0 });
  });

  it("should move what it holds onto sockets once the room is quiet, and answer it there alike", async () => {
    const room = freshRoom();
    await post(room, "first");
    const cid = await room.issueCid();
    const reply = room.cometJson({ c: cid, p: 1, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 0 });
    await expect.poll(() => holds(room), { timeout: IN_ROOM_MS + 1_000 }).toEqual({ held: 1, onSockets: 1 });
    expect(await settlesWithin(reply, 0)).toBe("pending");
    await post(room, "second");
    expect(await reply).toMatchObject({ pos: 2, cid });
    expect((await reply).content.map((e) => e[2])).toEqual(["second"]);
    // The Worker closes the answered socket when the hold time has passed.
    await expect.poll(() => holds(room), { timeout: HOLD_MS }).toEqual({ held: 0, onSockets: 0 });
  });

  it("should keep a moved request's hold time: the ping comes when it would have inside the room", async () => {
    const room = freshRoom();
    await post(room, "first");
    const cid = await room.issueCid();
    const started = Date.now();
    const reply = room.cometJson({ c: cid, p: 1, s: 0 });
    await expect.poll(() => holds(room), { timeout: IN_ROOM_MS + 1_000 }).toEqual({ held: 1, onSockets: 1 });
    expect(await reply).toMatchObject({ pos: 1, cid, content: [] });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(HOLD_MS - 100);
    expect(waited).toBeLessThan(HOLD_MS + IN_ROOM_MS);
    await expect.poll(() => holds(room)).toEqual({ held: 0, onSockets: 0 });
  });

  it("should hold it on a socket in a room that is quiet: a room posting now and then stays free to sleep", async () => {
    const room = freshRoom();
    await post(room, "a post a minute");
    await quiet(room);
    const cid = await room.issueCid();
    const held = room.cometJson({ c: cid, p: 1, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 1 });
    await post(room, "and the next");
    expect((await held).content.map((e) => e[2])).toEqual(["and the next"]);
  });

  it("should leave an answered socket open until its hold time has passed, when the Worker closes it, and keep the client's next hold", async () => {
    const room = freshRoom();
    await post(room, "one");
    await quiet(room);
    const cid = await room.issueCid();
    const asked = Date.now();
    const first = room.cometJson({ c: cid, p: 1, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 1 });
    await post(room, "two");
    expect((await first).content.map((e) => e[2])).toEqual(["two"]);

    // Asked again at once: the answered socket stays open beside the new hold, which it does not touch.
    await quiet(room);
    const second = room.cometJson({ c: cid, p: 2, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 2 });
    await post(room, "three");
    expect((await second).content.map((e) => e[2])).toEqual(["three"]);
    await expect.poll(() => holds(room), { timeout: HOLD_MS + 1_000 }).toEqual({ held: 0, onSockets: 0 });
    expect(Date.now() - asked).toBeGreaterThanOrEqual(HOLD_MS - 100);
  });

  it("should mark an answered socket in its attachment, so that a room made anew does not take it back as a hold", async () => {
    const room = freshRoom();
    await post(room, "one");
    await quiet(room);
    const [first, second] = [await room.issueCid(), await room.issueCid()];
    const answered = room.cometJson({ c: first, p: 1, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 1 });
    await post(room, "two");
    await answered;
    await quiet(room);
    const waiting = room.cometJson({ c: second, p: 2, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 2 });

    // What a woken room reads: the sockets and their attachments, not this instance's memory.
    const woken = await room.inside((r) => ({ count: heldCount(r["ctx"]), waiters: heldWaiters(r["ctx"]).map((w) => [w.cid, w.pos]) }));
    expect(woken).toEqual({ count: 1, waiters: [[second, 2]] });
    await post(room, "three");
    expect((await waiting).content.map((e) => e[2])).toEqual(["three"]);
  });

  it("should answer a request held inside the room with a ping when its hold time passes before the room is quiet", async () => {
    const room = freshRoom("brief");
    await post(room, "first");
    const cid = await room.issueCid();
    const started = Date.now();
    const reply = room.cometJson({ c: cid, p: 1, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 0 });
    expect(await reply).toMatchObject({ pos: 1, cid, content: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(BRIEF_HOLD_MS - 50);
    expect(await holds(room)).toEqual({ held: 0, onSockets: 0 });
  });
});
