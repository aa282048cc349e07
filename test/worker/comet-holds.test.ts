/**
 * Where a comet request waits (src/room/transports/comet.ts): inside a room
 * that posted a moment ago, on a socket to the Worker in a quiet one (so the
 * room can sleep); the client sees the same replies, news and pings, either way.
 */
import { describe, expect, it } from "vitest";
import { COMET_IN_ROOM_AFTER_POST_MS } from "../../src/protocol/limits";
import { HELD_TAG } from "../../src/room/transports/held-sockets";
import { freshRoom, type TestRoom } from "../support/rooms";

/** Requests held now: in the room's long-poll, and of those, on sockets. */
const holds = (room: TestRoom) => room.inside((r) => ({ held: r.longpoll.size, onSockets: r["ctx"].getWebSockets(HELD_TAG).length }));

describe("where a comet request waits", () => {
  it("should hold it inside a room that posted a moment ago, on a socket in a quiet room, and answer both alike", async () => {
    const room = freshRoom();
    const cid = await room.issueCid();
    expect((await room.post({ nick: "a", text: "first" })).status).toBe(200);

    const inRoom = room.cometJson({ c: cid, p: 1, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 0 });
    expect((await room.post({ nick: "a", text: "second" })).status).toBe(200);
    const first = await inRoom;

    // Quiet since: the client id of before is gone by then too, so a new one.
    await room.inside((r) => r.clock.advance(COMET_IN_ROOM_AFTER_POST_MS + 1_000));
    const later = await room.issueCid();
    const onSocket = room.cometJson({ c: later, p: 2, s: 0 });
    await expect.poll(() => holds(room)).toEqual({ held: 1, onSockets: 1 });
    expect((await room.post({ nick: "a", text: "third" })).status).toBe(200);
    const second = await onSocket;

    expect([first.pos, first.cid, first.content.map((e) => e[2])]).toEqual([2, cid, ["second"]]);
    expect([second.pos, second.cid, second.content.map((e) => e[2])]).toEqual([3, later, ["third"]]);
    expect(await holds(room)).toEqual({ held: 0, onSockets: 0 });
  });

  it("should answer a request held inside the room with a ping when its hold time passes", async () => {
    const room = freshRoom();
    const cid = await room.issueCid();
    expect((await room.post({ nick: "a", text: "first" })).status).toBe(200);
    const started = Date.now();
    const reply = await room.cometJson({ c: cid, p: 1, s: 0 });
    // The test configuration's hold time: COMET_HOLD_SECONDS = 2.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(reply).toMatchObject({ pos: 1, cid, content: [] });
    expect(await holds(room)).toEqual({ held: 0, onSockets: 0 });
  });
});
