/**
 * Posts on their way into the search index (src/room/search/pending-index.ts):
 * stored with the log alone, indexed a moment later with the posts after
 * them, in one transaction; found by a search at once all the same.
 */
import { describe, expect, it } from "vitest";
import { permalink } from "../../src/protocol/entry";
import { SEARCH_INDEX_BATCH, SEARCH_INDEX_DELAY_MS } from "../../src/protocol/limits";
import type { Room } from "../../src/room/room";
import { freshRoom, type TestRoom } from "../support/rooms";

const indexedCount = (room: Room) => room["ctx"].storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM search_entries").one().n;
const mark = (room: Room) => room["ctx"].storage.sql.exec<{ t: number }>("SELECT indexed_through AS t FROM search_pending").one().t;

async function postAll(room: TestRoom, texts: string[]): Promise<void> {
  for (const text of texts) expect((await room.post({ nick: "poster", text })).status).toBe(200);
}

describe("posts waiting for search", () => {
  it("should store a post without its index write, and index it by the alarm, which comes within the delay", async () => {
    const room = freshRoom();
    const before = Date.now();
    await postAll(room, ["first 待つ", "second 待つ", "third 待つ"]);
    const waiting = await room.inside(async (r) => ({
      indexed: indexedCount(r),
      mark: mark(r),
      waiting: r.search.pending.waiting(),
      alarm: await r["ctx"].storage.getAlarm(),
    }));
    expect(waiting).toMatchObject({ indexed: 0, mark: 0, waiting: true });
    expect(waiting.alarm).toBeGreaterThanOrEqual(before);
    expect(waiting.alarm).toBeLessThanOrEqual(Date.now() + SEARCH_INDEX_DELAY_MS);

    const after = await room.inside(async (r) => {
      await r.alarm();
      return { indexed: indexedCount(r), mark: mark(r), waiting: r.search.pending.waiting() };
    });
    expect(after).toEqual({ indexed: 3, mark: 3, waiting: false });
  });

  it("should find a post waiting at once: a search indexes what waits first", async () => {
    const room = freshRoom();
    await postAll(room, ["nobody indexed me yet 未索引"]);
    expect(await room.inside((r) => indexedCount(r))).toBe(0);
    const body = (await (await room.fetch("search?q=%E6%9C%AA%E7%B4%A2%E5%BC%95&format=json")).json()) as { results: { text: string }[] };
    expect(body.results.map((r) => r.text)).toEqual(["nobody indexed me yet 未索引"]);
    expect(await room.inside((r) => [indexedCount(r), mark(r)])).toEqual([1, 1]);
  });

  it(`should index ${SEARCH_INDEX_BATCH} posts waiting at once, without the alarm`, async () => {
    const room = freshRoom();
    const texts = Array.from({ length: SEARCH_INDEX_BATCH }, (_, i) => `batch ${i}`);
    await postAll(room, texts.slice(0, -1));
    expect(await room.inside((r) => indexedCount(r))).toBe(0);
    await postAll(room, texts.slice(-1));
    // The batch is written on the publish path, once the last post is durable.
    await expect.poll(() => room.inside((r) => [indexedCount(r), mark(r)])).toEqual([SEARCH_INDEX_BATCH, SEARCH_INDEX_BATCH]);
  });

  it("should index, when the room starts again, the posts a stopped room left waiting", async () => {
    const room = freshRoom();
    // A room that stopped after storing these and before indexing them: the log has them, the mark does not.
    await room.inside((r) => {
      for (let i = 0; i < 5; i++) r.log.append({ nick: "n", text: `left waiting ${i}` }, "192.0.2.1", Date.now() + i);
    });
    const restarted = await room.inside(async (r) => {
      const { PendingIndex } = await import("../../src/room/search/pending-index");
      const fresh = new PendingIndex(r["ctx"].storage, r.search.index, r.log, r.clock, () => {});
      return { waiting: fresh.waiting(), work: r.search.hasWork() };
    });
    // hasWork() arms the alarm at once when an instance starts (Room.ensureAlarm).
    expect(restarted).toEqual({ waiting: true, work: true });
    expect(await room.inside(async (r) => (await r.alarm(), [indexedCount(r), mark(r)]))).toEqual([5, 5]);
  });

  it("should not index a post deleted while it waited", async () => {
    const room = freshRoom();
    await postAll(room, ["keep me", "delete me"]);
    const indexed = await room.inside(async (r) => {
      const deleted = await r.admin("lobby", { action: "delete", permalink: permalink(r.log.at(2)!) });
      expect(deleted.ok).toBe(true);
      r.search.pending.indexWaiting();
      return r["ctx"].storage.sql
        .exec<{ text: string }>("SELECT text FROM search_entries")
        .toArray()
        .map((row) => row.text);
    });
    expect(indexed).toEqual(["keep me"]);
  });
});
