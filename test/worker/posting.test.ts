import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Room } from "../../src/room/room";
import { cleanPost, permalink } from "../../src/protocol/entry";
import { MAX_TEXT_CHARS } from "../../src/protocol/limits";
import { freshRoom, roomSequence, send } from "../support/rooms";

async function storedEntries(room: ReturnType<typeof freshRoom>) {
  return room.inside((context) => context.log.all());
}

describe("posting", () => {
  it("should store a post with its nick, text, address and a sequence number", async () => {
    const room = freshRoom();
    const res = await room.post({ nick: "alice", text: "hello" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("<html></html>");
    const [entry] = await storedEntries(room);
    expect(entry).toMatchObject({ seq: 1, nick: "alice", text: "hello", ip: "192.0.2.1" });
  });

  it("should trim the nick and the text", async () => {
    const room = freshRoom();
    await room.post({ nick: "  alice \n", text: " \t hello world \r\n " });
    const [entry] = await storedEntries(room);
    expect(entry).toMatchObject({ nick: "alice", text: "hello world" });
  });

  it("should remove control characters that XML forbids and keep tab, LF and CR", async () => {
    const room = freshRoom();
    await room.post({ nick: "al\u0000ice\u001f", text: "a\u0001b\u0008c\u000bd\u000ce\u000ef\u001fg\th\ni\rj" });
    const [entry] = await storedEntries(room);
    expect(entry).toMatchObject({ nick: "alice", text: "abcdefg\th\ni\rj" });
  });

  it("should remove the other characters XML forbids: U+FFFE, U+FFFF and halves of surrogate pairs", async () => {
    const room = freshRoom();
    const entry = await room.inside((context) => {
      const { nick, text } = cleanPost("a\uFFFEb", "x\uFFFFy\uD800z\uDC00w🐱")!;
      return context.log.append({ nick, text }, "ip", Date.now());
    });
    expect(entry).toMatchObject({ nick: "ab", text: "xyzw🐱" });
  });

  it("should remove control characters before trimming, so a text of only controls stores nothing", async () => {
    const room = freshRoom();
    const res = await room.post({ nick: "alice", text: " \u0001 \u0002 " });
    expect(res.status).toBe(200);
    expect(await storedEntries(room)).toEqual([]);
    expect(await (await room.fetch("var/seq")).text()).toBe("0");
  });

  it("should store nothing, and still answer 200, when the nick or the text is empty", async () => {
    const room = freshRoom();
    for (const fields of [
      { nick: "", text: "x" },
      { nick: "   ", text: "x" },
      { nick: "a", text: "" },
      { nick: "a", text: "\n\t " },
    ]) {
      expect((await room.post(fields)).status).toBe(200);
    }
    expect(await storedEntries(room)).toEqual([]);
  });

  it("should cut the text to 2048 characters, counting characters, not UTF-16 units", async () => {
    const room = freshRoom();
    await room.post({ nick: "a", text: "x".repeat(MAX_TEXT_CHARS + 100) });
    await room.post({ nick: "a", text: "🐱".repeat(MAX_TEXT_CHARS + 1) });
    const [plain, cats] = await storedEntries(room);
    expect(plain!.text).toBe("x".repeat(MAX_TEXT_CHARS));
    expect([...cats!.text]).toHaveLength(MAX_TEXT_CHARS);
    expect(cats!.text).toBe("🐱".repeat(MAX_TEXT_CHARS));
  });

  it("should accept multipart forms as well as urlencoded ones", async () => {
    const room = freshRoom();
    const form = new FormData();
    form.set("nick", "carol");
    form.set("text", "from multipart ü");
    expect((await room.fetch("post", { method: "POST", body: form })).status).toBe(200);
    const [entry] = await storedEntries(room);
    expect(entry).toMatchObject({ nick: "carol", text: "from multipart ü" });
  });

  it("should give every entry a timestamp later than the one before, even within one microsecond", async () => {
    const room = freshRoom();
    const entries = await room.inside((context) => {
      const at = Date.UTC(2026, 0, 1, 23, 59, 59, 999);
      const made = [];
      for (let i = 0; i < 5; i++) made.push(context.log.append({ nick: "a", text: `t${i}` }, "ip", at));
      // A clock that went backwards does not reorder entries either.
      made.push(context.log.append({ nick: "a", text: "earlier" }, "ip", at - 5000));
      return made;
    });
    expect(entries.map((e) => [e.sec, e.usec])).toEqual([
      [1767311999, 999000],
      [1767311999, 999001],
      [1767311999, 999002],
      [1767311999, 999003],
      [1767311999, 999004],
      [1767311999, 999005],
    ]);
  });

  it("should carry a timestamp over into the next second at 999999 microseconds", async () => {
    const room = freshRoom();
    const [first, second] = await room.inside((context) => {
      context.log.append({ nick: "a", text: "x" }, "ip", 1_000_000_999);
      const state = context.log["state"];
      state.last_usec = 999_999;
      return [state, context.log.append({ nick: "a", text: "y" }, "ip", 1_000_000_999)];
    });
    expect(first).toBeDefined();
    expect(second).toMatchObject({ sec: 1_000_001, usec: 0 });
  });

  it("should count posts in the sequence and set the last-post time", async () => {
    const room = freshRoom();
    const before = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 3; i++) await room.post({ nick: "a", text: `n${i}` });
    const status = (await (await room.fetch("var/status.js")).json()) as Record<string, number>;
    expect(status["post-sequence"]).toBe(3);
    expect(status["last-post"]).toBeGreaterThanOrEqual(before);
    expect(await (await room.fetch("var/seq")).text()).toBe("3");
  });

  it("should report last-post and post-sequence as 0 in a room with no post", async () => {
    const room = freshRoom();
    expect(await (await room.fetch("var/status.js")).json()).toEqual({ "last-post": 0, "num-chatters": 0, "post-sequence": 0 });
    expect(await (await room.fetch("var/status.scm")).text()).toBe("((last-post . 0) (num-chatters . 0) (post-sequence . 0))");
  });

  it("should acknowledge with the entry's position, permalink and delete secret when asked for JSON", async () => {
    const room = freshRoom();
    await room.post({ nick: "a", text: "one" });
    const res = await room.post({ nick: "a", text: "two" }, { Accept: "application/json" });
    const entry = await room.inside((context) => context.log.at(2)!);
    expect(await res.json()).toEqual({ stored: true, pos: 2, permalink: permalink(entry), secret: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
  });

  it("should take the poster's address from the Worker's request", async () => {
    const before = await roomSequence("lobby");
    await send("/lobby/post", {
      method: "POST",
      body: new URLSearchParams({ nick: "ip", text: "check" }),
      headers: { "CF-Connecting-IP": "2001:db8::7" },
    });
    expect(await roomSequence("lobby")).toBe(before + 1);
    const last = await runInDurableObject(env.ROOM.get(env.ROOM.idFromName("lobby")), (instance: Room) => instance.log.at(before + 1));
    expect(last).toMatchObject({ nick: "ip", ip: "2001:db8::7" });
  });
});
