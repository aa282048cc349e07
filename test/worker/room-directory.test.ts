import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { parseRoom, parseSiteConfig, roomTable } from "../../src/config";
import { DIRECTORY_NAME, type RoomListing } from "../../src/protocol/directory";
import { DIRECTORY_CACHE_MS } from "../../src/protocol/limits";
import { DAY_SECONDS, dayOf, startOfDay } from "../../src/protocol/day";
import type { Room } from "../../src/room/room";
import { DirectoryCache } from "../../src/worker/directory-cache";
import { parseHtml } from "../support/html";
import { send } from "../support/rooms";

const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
const directory = () => env.DIRECTORY.getByName(DIRECTORY_NAME);
const stubOf = (name: string) => env.ROOM.getByName(name);
/** A name no other test uses. */
const freshName = (prefix = "r") => `${prefix}${crypto.randomUUID().slice(0, 8)}`;

function createRoom(settings: Record<string, unknown>) {
  return send("/_admin/rooms", { method: "POST", headers: { ...ADMIN, "Content-Type": "application/json" }, body: JSON.stringify(settings) });
}

function updateRoom(name: string, changes: Record<string, unknown>) {
  return send(`/_admin/rooms/${name}`, { method: "POST", headers: { ...ADMIN, "Content-Type": "application/json" }, body: JSON.stringify(changes) });
}

const closeRoom = (name: string) => send(`/_admin/rooms/${name}/close`, { method: "POST", headers: ADMIN });

async function listRooms(): Promise<RoomListing[]> {
  return ((await (await send("/_admin/rooms", { headers: ADMIN })).json()) as { rooms: RoomListing[] }).rooms;
}

const postTo = (name: string, text: string, ip = "192.0.2.7") =>
  send(`/${name}/post`, {
    method: "POST",
    body: new URLSearchParams({ nick: "visitor", text }),
    headers: { "CF-Connecting-IP": ip, Accept: "application/json" },
  });

/** The front page's room links, read with the runtime's HTML parser. */
async function frontPageRooms(): Promise<string[]> {
  const { elements } = await parseHtml(await (await send("/")).text());
  return elements.filter((e) => e.tag === "a" && /^\/[^/]+\/$/.test(e.attrs["href"] ?? "")).map((e) => e.attrs["href"]!.slice(1, -1));
}

describe("the room directory", () => {
  it("should make a room that every route, the front page and the room list see at once", async () => {
    const name = freshName();
    const made = await createRoom({ name, title: "Made at <run> time", description: "A test room" });
    expect(made.status).toBe(201);
    const { room } = (await made.json()) as { room: RoomListing };
    expect(room).toMatchObject({
      name,
      source: "directory",
      closedAt: null,
      settings: { name, title: "Made at <run> time", login: "loose", image_max_px: 400 },
    });

    const page = await send(`/${name}/`);
    expect(page.status).toBe(200);
    const { elements, text } = await parseHtml(await page.text());
    expect(elements.find((e) => e.tag === "div" && e.attrs["class"] === "room")?.attrs["data-room"]).toBe(name);
    expect(text).toContain("Made at &lt;run&gt; time");

    expect((await postTo(name, "hello")).status).toBe(200);
    expect(await (await send(`/${name}/var/seq`)).text()).toMatch(/^[01]$/);
    expect((await send(`/${name}/badge.html`)).status).toBe(200);
    expect((await send(`/${name}/manifest.webmanifest`)).status).toBe(200);
    expect(await frontPageRooms()).toContain(name);
    expect((await listRooms()).find((r) => r.name === name)?.source).toBe("directory");
    expect((await listRooms()).find((r) => r.name === "lobby")?.source).toBe("wrangler.toml");
    expect(await (await send("/robots.txt")).text()).toContain(`Disallow: /${name}/post`);
  });

  it("should refuse names that are malformed, declared, taken in any case, or of a closed room", async () => {
    const refusal = async (settings: Record<string, unknown>) => {
      const res = await createRoom(settings);
      return { status: res.status, reason: (await res.text()).trim() };
    };
    expect(await refusal({ name: "-dash" })).toMatchObject({ status: 400, reason: expect.stringMatching(/letters, digits/) });
    expect(await refusal({ name: "a".repeat(65) })).toMatchObject({ status: 400 });
    expect(await refusal({ name: "with space" })).toMatchObject({ status: 400 });
    expect(await refusal({ title: "no name" })).toMatchObject({ status: 400, reason: "A room needs a name" });
    expect(await refusal({ name: "lobby" })).toEqual({ status: 409, reason: "Room lobby exists (declared in wrangler.toml)" });
    expect(await refusal({ name: "LOBBY" })).toEqual({ status: 409, reason: "Room lobby exists (declared in wrangler.toml)" });
    const name = freshName("taken");
    expect((await createRoom({ name })).status).toBe(201);
    expect(await refusal({ name })).toEqual({ status: 409, reason: `Room ${name} exists` });
    expect(await refusal({ name: name.toUpperCase() })).toEqual({ status: 409, reason: `Room ${name} exists` });
    expect((await closeRoom(name)).status).toBe(200);
    expect(await refusal({ name })).toMatchObject({
      status: 409,
      reason: expect.stringMatching(new RegExp(`^Room ${name} was closed on \\d{4}-\\d{2}-\\d{2}; the name of a closed room is not used again$`)),
    });
    expect(await refusal({ name: freshName(), colour: "red" })).toMatchObject({ status: 400, reason: expect.stringMatching(/^Unknown room setting "colour"/) });
    expect(await refusal({ name: freshName(), login: "sometimes" })).toMatchObject({
      status: 400,
      reason: expect.stringMatching(/login must be loose or strict/),
    });
    expect(await refusal({ name: freshName(), private: true, login: "loose" })).toMatchObject({
      status: 400,
      reason: expect.stringMatching(/private room uses strict login/),
    });
    expect(await refusal({ name: freshName(), posts_per_minute: 0 })).toMatchObject({ status: 400, reason: expect.stringMatching(/posts_per_minute/) });
    const notJson = await send("/_admin/rooms", { method: "POST", headers: { ...ADMIN, "Content-Type": "text/plain" }, body: "{}" });
    expect(notJson.status).toBe(415);
  });

  it("should refuse to change or close a room of wrangler.toml, or one it does not have", async () => {
    expect((await updateRoom("lobby", { title: "Mine" })).status).toBe(409);
    expect((await closeRoom("lobby")).status).toBe(409);
    expect((await updateRoom("nosuchroom", { title: "x" })).status).toBe(404);
    expect((await closeRoom("nosuchroom")).status).toBe(404);
    expect((await send("/_admin/rooms", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })).status).toBe(401);
    expect((await send("/_admin/rooms", { headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
  });

  it("should change a room's title and its own post rate and hold time while it runs", async () => {
    const name = freshName();
    expect((await createRoom({ name, title: "Before" })).status).toBe(201);
    expect((await postTo(name, "warm up")).status).toBe(200);

    const changed = await updateRoom(name, { title: "After", posts_per_minute: 2, hold_seconds: 7 });
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as { room: RoomListing }).room.settings).toMatchObject({ title: "After", posts_per_minute: 2, hold_seconds: 7 });
    const { elements, text } = await parseHtml(await (await send(`/${name}/`)).text());
    expect(text).toContain("After");
    expect(elements.find((e) => e.attrs["class"] === "room")?.attrs["data-hold"]).toBe("7000");

    // Two posts a minute from one address in this room, while the site allows 1,000.
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await postTo(name, `post ${i}`, "192.0.2.99")).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await postTo("lobby", "elsewhere", "192.0.2.99")).status).toBe(200);

    // Back to the site's values.
    expect((await updateRoom(name, { posts_per_minute: null, hold_seconds: null })).status).toBe(200);
    const again = await parseHtml(await (await send(`/${name}/`)).text());
    expect(again.elements.find((e) => e.attrs["class"] === "room")?.attrs["data-hold"]).toBe("2000");
    expect((await postTo(name, "free again", "192.0.2.99")).status).toBe(200);
  });

  it("should keep control characters of a title and description out of its pages and its feed, which stays XML", async () => {
    const name = freshName();
    expect((await createRoom({ name, title: "Bell\u0007 <Room>", description: "one\u0001two" })).status).toBe(201);
    expect((await postTo(name, "hello")).status).toBe(200);
    const xml = await (await send(`/${name}/var/index.rdf`)).text();
    expect(XMLValidator.validate(xml)).toBe(true);
    const channel = (new XMLParser().parse(xml) as { rss: { channel: { title: string; description: string } } }).rss.channel;
    expect(channel).toMatchObject({ title: "Bell <Room>", description: "onetwo" });
    const page = await (await send(`/${name}/`)).text();
    expect(page).toContain("Bell &lt;Room&gt;");
    expect(page).not.toContain("\u0007");
  });

  it("should close a room: 410 with a link to its archives, which stay readable, and off the front page", async () => {
    const name = freshName();
    expect((await createRoom({ name, title: "Closing" })).status).toBe(201);
    const today = startOfDay(Math.floor(Date.now() / 1000));
    await send(`/${name}/var/seq`);
    await runInDurableObject(stubOf(name), (r: Room) => {
      for (let i = 0; i < 3; i++) r.log.append({ nick: "old", text: `yesterday ${i}` }, "192.0.2.1", (today - DAY_SECONDS + i) * 1000);
    });
    await runDurableObjectAlarm(stubOf(name));
    const yesterday = dayOf(today - DAY_SECONDS);
    expect(await env.ARCHIVE.head(`${name}/${yesterday}`)).not.toBeNull();
    expect((await postTo(name, "last words")).status).toBe(200);

    const upgrade = await send(`/${name}/ws?p=0`, { headers: { Upgrade: "websocket" } });
    const socket = upgrade.webSocket!;
    const closed = new Promise<number>((resolve) => socket.addEventListener("close", (event) => resolve(event.code)));
    socket.accept();

    const res = await closeRoom(name);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { room: RoomListing }).room.closedAt).toEqual(expect.any(Number));
    expect(await closed).toBe(1001);

    const gone = await send(`/${name}/`);
    expect(gone.status).toBe(410);
    const { elements } = await parseHtml(await gone.text());
    const today_ = dayOf(today);
    expect(elements.filter((e) => e.tag === "a").map((e) => e.attrs["href"])).toContain(`/${name}/a/${today_}`);
    for (const path of ["post", "comet?p=0", "var/seq", "var/status.js", "badge.html", "apilogin", "ws"]) {
      const method = path === "post" || path === "apilogin" ? "POST" : "GET";
      expect((await send(`/${name}/${path}`, { method })).status, path).toBe(410);
    }
    const archived = await send(`/${name}/a/${yesterday}.json`);
    expect(archived.status).toBe(200);
    expect(((await archived.json()) as { entries: unknown[] }).entries).toHaveLength(3);
    expect((await send(`/${name}/a/${today_}`)).status).toBe(200);
    expect((await send(`/${name}/search?q=words&format=json`)).status).toBe(200);
    expect(await frontPageRooms()).not.toContain(name);
    expect((await listRooms()).find((r) => r.name === name)?.closedAt).toEqual(expect.any(Number));
    // Closing again changes nothing; changing a closed room is refused.
    expect((await closeRoom(name)).status).toBe(200);
    expect((await updateRoom(name, { title: "Reopened?" })).status).toBe(409);
  });

  it("should ask a private room's users to sign in, with the first user from FIRST_USER", async () => {
    const name = freshName("private");
    expect((await createRoom({ name, title: "Members", private: true })).status).toBe(201);
    const anonymous = await send(`/${name}/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("WWW-Authenticate")).toContain(`realm="${name}"`);
    const [user, password] = env.FIRST_USER!.split(":");
    const signedIn = await send(`/${name}/var/seq`, { headers: { Authorization: `Basic ${btoa(`${user}:${password}`)}` } });
    expect(signedIn.status).toBe(200);
    expect(await frontPageRooms()).toContain(name);
  });

  it("should let a room that was never told its settings ask the directory for them", async () => {
    const name = freshName("untold");
    // Made in the directory alone, as if the admin API's word to the room had been lost.
    const made = await directory().create({ name, title: "Untold" });
    expect(made.ok).toBe(true);
    const res = await stubOf(name).fetch(new Request(`http://chat.test/${name}/var/seq`));
    expect(res.status).toBe(200);
    expect(await runInDurableObject(stubOf(name), (r: Room) => r.settings.get()?.config.title)).toBe("Untold");
  });

  it("should not find a room that is in no directory", async () => {
    const res = await stubOf(freshName("nowhere")).fetch(new Request("http://chat.test/nowhere/var/seq"));
    expect(res.status).toBe(404);
    expect((await send(`/${freshName("nowhere")}/`)).status).toBe(404);
  });
});

describe("the Worker's cache of the directory", () => {
  it("should see a room made through another isolate within the cache interval, not before", async () => {
    let now = 1_000_000;
    const cache = new DirectoryCache(() => now);
    const name = freshName("cached");
    expect((await cache.rooms(env)).has(name)).toBe(false);
    // Made by the directory directly: this cache was not told, as another isolate's is not.
    expect((await directory().create({ name })).ok).toBe(true);
    now += DIRECTORY_CACHE_MS - 1;
    expect((await cache.rooms(env)).has(name)).toBe(false);
    now += 1;
    expect((await cache.rooms(env)).get(name)?.config.title).toBe(name);
  });

  it("should serve the last list read while the directory cannot be reached, asking again once per interval", async () => {
    let now = 0;
    let calls = 0;
    let up = true;
    const listed = [
      {
        settings: { name: "kept", title: "Kept", description: "", icon: "/chaton.svg", login: "loose", image_max_px: 400, private: false },
        createdAt: 0,
        updatedAt: 0,
        closedAt: null,
      },
    ];
    const unreliable = {
      DIRECTORY: { getByName: () => ({ list: () => (calls++, up ? Promise.resolve(listed) : Promise.reject(new Error("directory down"))) }) },
    } as unknown as Env;
    const cache = new DirectoryCache(() => now);
    expect((await cache.rooms(unreliable)).has("kept")).toBe(true);
    up = false;
    now += DIRECTORY_CACHE_MS;
    expect((await cache.rooms(unreliable)).get("kept")?.config.title).toBe("Kept");
    await cache.rooms(unreliable);
    expect(calls).toBe(2);

    const empty = new DirectoryCache(() => now);
    await expect(empty.rooms(unreliable)).rejects.toThrow("directory down");
    await expect(empty.rooms(unreliable)).rejects.toThrow("directory down");
    expect(calls).toBe(4);
  });

  it("should ask the directory once for concurrent misses", async () => {
    const cache = new DirectoryCache(() => 5);
    const reads = await Promise.all(Array.from({ length: 20 }, () => cache.rooms(env)));
    expect(new Set(reads).size).toBe(1);
  });
});

describe("per-room settings in wrangler.toml", () => {
  it("should read posts_per_minute and hold_seconds of a room, and leave them out when absent", () => {
    const site = parseSiteConfig({
      ROOMS: [{ name: "busy", posts_per_minute: 120, hold_seconds: 50 }, { name: "plain" }],
      POSTS_PER_MINUTE: "30",
    });
    expect(site.rooms.get("busy")).toMatchObject({ postsPerMinute: 120, holdSeconds: 50 });
    expect(site.rooms.get("plain")).not.toHaveProperty("postsPerMinute");
    expect(site.rooms.get("plain")).not.toHaveProperty("holdSeconds");
    expect(site.postsPerMinute).toBe(30);
  });

  it("should refuse settings out of range", () => {
    expect(() => parseRoom({ name: "x", posts_per_minute: 1.5 })).toThrow(/posts_per_minute must be a positive integer/);
    expect(() => parseRoom({ name: "x", hold_seconds: 0 })).toThrow(/hold_seconds must be a number in \(0, 120\]/);
    expect(() => parseRoom({ name: "x", hold_seconds: 121 })).toThrow(/hold_seconds/);
    expect(() => parseRoom({ name: "x", listeners_per_object: 0 })).toThrow(/listeners_per_object must be an integer in \[1, 30000\]/);
    expect(() => parseRoom({ name: "x", listeners_per_object: 30_001 })).toThrow(/listeners_per_object/);
    expect(() => parseRoom({ name: "x", listeners_per_object: 2.5 })).toThrow(/listeners_per_object/);
    expect(parseRoom({ name: "x", listeners_per_object: 50 })).toMatchObject({ listenersPerObject: 50 });
    expect(roomTable(parseRoom({ name: "x", listeners_per_object: 50 }))).toMatchObject({ listeners_per_object: 50 });
  });
});
