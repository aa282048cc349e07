import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chatters, timeAgo } from "../../src/protocol/wording";
import type { Room } from "../../src/room/room";
import { send } from "../support/rooms";
import { readDatum, alistToObject } from "../../packages/client/src/sexpr";

/** The test configuration's STATUS_CACHE_SECONDS. */
const INTERVAL_MS = 2000;

const requestsServed = (room: string) => runInDurableObject(env.ROOM.get(env.ROOM.idFromName(room)), (instance: Room) => instance.requestsServed);

const postTo = (room: string, text: string) => send(`/${room}/post`, { method: "POST", body: new URLSearchParams({ nick: "poster", text }) });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("status for outside pollers", () => {
  it("should let at most two of 1,000 polls within one interval reach the room", async () => {
    await postTo("archive11", "one post to count");
    await send("/archive11/var/seq");
    const before = await requestsServed("archive11");
    const replies: Response[] = [];
    for (let batch = 0; batch < 10; batch++) {
      replies.push(...(await Promise.all(Array.from({ length: 100 }, () => send("/archive11/var/status.js")))));
    }
    expect(replies).toHaveLength(1000);
    expect(replies.map((res) => res.status)).toEqual(replies.map(() => 200));
    // Every poll was answered with the room's status, though hardly any reached the room: the Worker's cache answered them.
    const sequences = await Promise.all(replies.map(async (res) => ((await res.json()) as Record<string, number>)["post-sequence"]));
    expect(new Set(sequences)).toEqual(new Set([1]));
    const reached = (await requestsServed("archive11")) - before;
    expect(reached, "polls that reached the room").toBeLessThanOrEqual(2);
  });

  it("should show a new post within one interval plus a second", async () => {
    const first = (await (await send("/archive10/var/status.js")).json()) as Record<string, number>;
    await postTo("archive10", "news");
    const posted = Date.now();
    let seen = first["post-sequence"];
    while (seen === first["post-sequence"] && Date.now() - posted < INTERVAL_MS + 3000) {
      await sleep(100);
      seen = ((await (await send("/archive10/var/status.js")).json()) as Record<string, number>)["post-sequence"];
    }
    expect(seen).toBe(first["post-sequence"]! + 1);
    expect(Date.now() - posted).toBeLessThanOrEqual(INTERVAL_MS + 1000);
  });

  it("should answer status.js and seq to other origins, with Cache-Control matching the interval", async () => {
    for (const path of ["/lobby/var/status.js", "/lobby/var/seq"]) {
      const res = await send(path, { headers: { Origin: "https://elsewhere.example" } });
      expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(res.headers.get("Cache-Control")).toBe("public, max-age=2");
    }
    const js = await send("/lobby/var/status.js");
    expect(js.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(Object.keys(await js.json())).toEqual(["last-post", "num-chatters", "post-sequence"]);
  });

  it("should answer a conditional request with 304 while nothing changed", async () => {
    for (const path of ["/lobby/var/status.js", "/lobby/var/seq"]) {
      const first = await send(path);
      const etag = first.headers.get("ETag")!;
      expect(etag).toMatch(/^"[0-9a-z]+-[0-9a-z]+"$/);
      const again = await send(path, { headers: { "If-None-Match": etag } });
      expect(again.status).toBe(304);
      expect(again.headers.get("ETag")).toBe(etag);
      expect(await again.text()).toBe("");
      expect((await send(path, { headers: { "If-None-Match": '"other"' } })).status).toBe(200);
    }
  });

  it("should give status.scm as an S-expression alist and seq as a bare integer", async () => {
    const scm = alistToObject(readDatum(new TextDecoder().decode(await (await send("/lobby/var/status.scm")).arrayBuffer())));
    expect(Object.keys(scm)).toEqual(["last-post", "num-chatters", "post-sequence"]);
    expect(await (await send("/lobby/var/seq")).text()).toMatch(/^\d+$/);
  });
});

describe("the badge's words", () => {
  const now = 1_800_000_000;
  it.each([
    [0, "0 seconds ago"],
    [1, "1 second ago"],
    [59, "59 seconds ago"],
    [60, "1 minute ago"],
    [119, "1 minute ago"],
    [120, "2 minutes ago"],
    [3599, "59 minutes ago"],
    [3600, "1 hour ago"],
    [86_399, "23 hours ago"],
    [86_400, "1 day ago"],
    [604_799, "6 days ago"],
    [604_800, "1 week ago"],
    [1_209_600, "2 weeks ago"],
  ])("should say %i seconds since the last post as %s", (elapsed, words) => {
    expect(timeAgo(now - elapsed, now)).toBe(words);
  });

  it("should say no known updates for a room without posts", () => {
    expect(timeAgo(0, now)).toBe("no known updates");
  });

  it.each([
    [0, "No chatters"],
    [1, "1 chatter"],
    [2, "2 chatters"],
  ])("should count %i chatters as %s", (n, words) => {
    expect(chatters(n)).toBe(words);
  });
});

describe("the badge and the front page", () => {
  it("should serve the badge as a script with the room settings in one escaped literal", async () => {
    const res = await send("/strict/b");
    expect(res.headers.get("Content-Type")).toBe("text/javascript; charset=utf-8");
    const script = await res.text();
    expect(script).toContain('"title":"Strict \\u003cRoom\\u003e"');
    expect(script).not.toMatch(/<\/script|<Room>/i);
    expect(script).toContain("No chatters");
  });

  it("should show a badge page with the snippet to copy", async () => {
    const page = await (await send("/lobby/badge.html")).text();
    expect(page).toContain('<script src="b"></script>');
    expect(page).toContain("&lt;script src=&quot;http://chat.test/lobby/b&quot;&gt;&lt;/script&gt;");
  });

  it("should list each room with its chatters and the time since its last post", async () => {
    await postTo("archive9", "hello front page");
    const page = await (await send("/")).text();
    expect(page).toContain('href="/archive9/"');
    expect(page).toMatch(
      /Archive 9<\/span><\/a>\s*<p class="room-description"><\/p>\s*<p class="room-activity"><span class="room-chatters">No chatters<\/span> · <span class="room-updated">\d+ seconds? ago<\/span>/,
    );
  });
});
