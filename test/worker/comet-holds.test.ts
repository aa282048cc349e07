/**
 * Where a comet request waits (src/room/transports/comet.ts): inside a room
 * that is talking (src/room/live/pace.ts), on a socket to the Worker in a
 * quiet one, so the room can sleep; the client sees the same replies, news
 * and pings, either way.
 */
import { describe, expect, it } from "vitest";
import { COMET_IN_ROOM_AFTER_POST_MS } from "../../src/protocol/limits";
import { HELD_TAG } from "../../src/room/transports/held-sockets";
import { freshRoom, type TestRoom } from "../support/rooms";

/** Requests held now: in the room's long-poll, and of those, on sockets. */
const holds = (room: TestRoom) => room.inside((r) => ({ held: r.longpoll.size, onSockets: r["ctx"].getWebSockets(HELD_TAG).length }));

async function post(room: TestRoom, text: string): Promise<void> {
  expect((await room.post({ nick: "a", text })).status).toBe(200);
}

describe("where a comet request waits", () => {
  it("should hold it inside a room that is talking, on a socket once the room is quiet, and answer both alike", async () => {
    const room = freshRoom();
    await post(room, "first");
    await post(room, "second");
    const cid = await room.issueCid();
    const inRoom = room.cometJson({ c: cid, p: 2, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 0 });
    await post(room, "third");
    const first = await inRoom;

    // Quiet since: the client id of before is gone by then too, so a new one.
    await room.inside((r) => r.clock.advance(COMET_IN_ROOM_AFTER_POST_MS + 1_000));
    const later = await room.issueCid();
    const onSocket = room.cometJson({ c: later, p: 3, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 1 });
    await post(room, "fourth");
    const second = await onSocket;

    expect([first.pos, first.cid, first.content.map((e) => e[2])]).toEqual([3, cid, ["third"]]);
    expect([second.pos, second.cid, second.content.map((e) => e[2])]).toEqual([4, later, ["fourth"]]);
    expect(await holds(room)).toEqual({ held: 0, onSockets: 0 });
  });

  it("should hold it on a socket after a lone post: a room posting now and then stays free to sleep", async () => {
    const room = freshRoom();
    await post(room, "a post a minute");
    const cid = await room.issueCid();
    const held = room.cometJson({ c: cid, p: 1, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 1 });
    await post(room, "and the next");
    expect((await held).content.map((e) => e[2])).toEqual(["and the next"]);
  });

  it("should leave the closing of an answered socket to the Worker, and keep the client's next hold", async () => {
    const room = freshRoom();
    const quiet = () => room.inside((r) => r.clock.advance(COMET_IN_ROOM_AFTER_POST_MS + 1_000));
    await post(room, "one");
    const cid = await room.issueCid();
    const first = room.cometJson({ c: cid, p: 1, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 1 });
    await quiet();
    await post(room, "two");
    expect((await first).content.map((e) => e[2])).toEqual(["two"]);

    // Asked again at once: the first socket, closed by the Worker, is gone and takes nothing with it.
    const second = room.cometJson({ c: cid, p: 2, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 1 });
    await quiet();
    await post(room, "three");
    expect((await second).content.map((e) => e[2])).toEqual(["three"]);
    await expect.poll(() => holds(room)).toEqual({ held: 0, onSockets: 0 });
  });

  it("should answer a request held inside the room with a ping when its hold time passes", async () => {
    const room = freshRoom();
    await post(room, "first");
    await post(room, "second");
    const cid = await room.issueCid();
    const started = Date.now();
    const reply = room.cometJson({ c: cid, p: 2, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 0 });
    // The test configuration's hold time: COMET_HOLD_SECONDS = 2.
    expect(await reply).toMatchObject({ pos: 2, cid, content: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(await holds(room)).toEqual({ held: 0, onSockets: 0 });
  });
});
