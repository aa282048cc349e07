/**
 * A room of wrangler.toml with a setting that cannot be used (issue 25): the
 * build refuses it before a deploy (test/tools/build-check.test.ts); should one
 * reach the runtime anyway (a var edited in the dashboard), only that room
 * answers 503 with the reason, and every other room, the front page and the
 * admin API keep working.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseSiteConfig, siteConfigProblems } from "../../src/config";
import worker from "../../src/worker/index";
import { ORIGIN } from "../support/rooms";

const GOOD = { name: "archive5", title: "Still here", description: "", icon: "/chaton.svg" };
const BAD_ICON = { name: "broken", title: "Broken", icon: "javascript:alert(1)" };
const BAD_HOLD = { name: "sleepy", hold_seconds: 500 };
const BAD_NAME = { name: "no spaces allowed", title: "Nameless" };

/** The Worker as deployed, with ROOMS as a dashboard edit left it. */
async function fetchWith(rooms: unknown[], path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`${ORIGIN}${path}`, init) as Request<unknown, IncomingRequestCfProperties>;
  const response = await worker.fetch(request, { ...env, ROOMS: rooms } as unknown as Env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("a room whose settings cannot be used", () => {
  it("should be told apart, with its name, the setting and the reason, while the other rooms are read as ever", () => {
    const site = parseSiteConfig({ ROOMS: [GOOD, BAD_ICON, BAD_HOLD, BAD_NAME, GOOD] });
    expect([...site.rooms.keys()]).toEqual(["archive5"]);
    expect(Object.fromEntries(site.refusedRooms)).toEqual({
      broken: "room broken: icon must be an http(s) URL or a path starting with /",
      sleepy: "room sleepy: hold_seconds must be a number in (0, 120]",
      "#4": 'room name "no spaces allowed" must match /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/',
      "#5": "room archive5 is declared twice",
    });
    expect(siteConfigProblems({ ROOMS: [GOOD, BAD_ICON] })).toEqual(["room broken: icon must be an http(s) URL or a path starting with /"]);
    expect(siteConfigProblems({ ROOMS: [GOOD], COMET_HOLD_SECONDS: "0" })).toEqual(["COMET_HOLD_SECONDS must be in (0, 120]"]);
    expect(siteConfigProblems({ ROOMS: [GOOD], COMET_IN_ROOM_SECONDS: "soon" })).toEqual(["COMET_IN_ROOM_SECONDS must be in [0, 60]"]);
    expect(siteConfigProblems({ ROOMS: [GOOD], COMET_IN_ROOM_SECONDS: "0" })).toEqual([]);
    expect(siteConfigProblems({ ROOMS: [GOOD] })).toEqual([]);
  });

  it("should answer 503 with the reason on its paths, and leave every other room, the front page and the admin API working", async () => {
    const rooms = [GOOD, BAD_ICON];
    for (const path of ["/broken/", "/broken/comet?p=0&s=0", "/broken/var/status.js", "/broken/badge.html"]) {
      const res = await fetchWith(rooms, path);
      expect(res.status, path).toBe(503);
      expect(await res.text(), path).toContain("icon must be an http(s) URL or a path starting with /");
    }
    const posted = await fetchWith(rooms, "/broken/post", { method: "POST", body: new URLSearchParams({ nick: "a", text: "b" }) });
    expect(posted.status).toBe(503);

    const good = await fetchWith(rooms, "/archive5/");
    expect(good.status).toBe(200);
    expect(await good.text()).toContain('data-room="archive5"');
    const front = await fetchWith(rooms, "/");
    expect(front.status).toBe(200);
    const frontPage = await front.text();
    expect(frontPage).toContain("Still here");
    expect(frontPage).not.toContain("javascript:");
    expect((await fetchWith(rooms, "/robots.txt")).status).toBe(200);
    const listed = await fetchWith(rooms, "/_admin/rooms", { headers: { Authorization: "Bearer test-admin-token" } });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(await listed.json())).toContain("archive5");
  });
});
