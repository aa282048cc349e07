/**
 * Finding 1 of issue 18: a page on another site made a signed-in browser post
 * into a private room and change the user's password. Browsers say where a
 * request comes from (Origin, Sec-Fetch-Site); the Worker refuses every
 * request that changes something, and every WebSocket handshake, that comes
 * from another site, before the room is reached. Clients that send neither
 * header (Gauche, curl, bots) keep working.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ORIGIN, roomSequence, send } from "../support/rooms";
import { basicAuth } from "../support/basic-auth";

const ROOM = "secret";
const ALICE = basicAuth("alice", "first password");
const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };

/** What a browser on another site sends with a form it submits here. */
const FROM_EVIL = { Origin: "http://evil.example", "Sec-Fetch-Site": "cross-site" };
/** What our own page sends. */
const FROM_US = { Origin: ORIGIN, "Sec-Fetch-Site": "same-origin" };

const form = (fields: Record<string, string>, headers: Record<string, string>) => ({ method: "POST", body: new URLSearchParams(fields), headers });

async function addUser(user: string, password: string): Promise<void> {
  const res = await send(`/${ROOM}/admin/users`, form({ user, password }, ADMIN));
  expect(res.status).toBe(200);
}

async function signsIn(user: string, password: string, ip: string): Promise<boolean> {
  const res = await send(`/${ROOM}/var/seq`, { headers: { Authorization: basicAuth(user, password), "CF-Connecting-IP": ip } });
  await res.arrayBuffer();
  return res.status === 200;
}

describe("requests from another site", () => {
  it("should refuse a signed-in browser's cross-site post to a private room with 403 and a reason, and store nothing", async () => {
    const before = await roomSequence(ROOM);
    const res = await send(`/${ROOM}/post`, form({ nick: "victim", text: "posted by evil.example" }, { ...FROM_EVIL, Authorization: ALICE }));
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/^Refused: a page on another site may not post/);
    expect(await roomSequence(ROOM)).toBe(before);

    const own = await send(`/${ROOM}/post`, form({ nick: "alice", text: "from the room's own page" }, { ...FROM_US, Authorization: ALICE }));
    expect(own.status).toBe(200);
    expect(await roomSequence(ROOM)).toBe(before + 1);
  });

  it("should refuse a cross-site password change, right current password and all, and leave the password as it was", async () => {
    await addUser("carol", "carol's password");
    const change = { current: "carol's password", next: "taken over!!", confirm: "taken over!!" };
    const res = await send(`/${ROOM}/password`, form(change, { ...FROM_EVIL, Authorization: basicAuth("carol", "carol's password") }));
    expect(res.status).toBe(403);
    expect(await signsIn("carol", "carol's password", "198.51.100.31")).toBe(true);
    expect(await signsIn("carol", "taken over!!", "198.51.100.32")).toBe(false);

    const own = await send(`/${ROOM}/password`, form(change, { ...FROM_US, Authorization: basicAuth("carol", "carol's password") }));
    expect(own.status).toBe(200);
    expect(await signsIn("carol", "taken over!!", "198.51.100.33")).toBe(true);
  });

  it("should go by Sec-Fetch-Site when there is no Origin, and take Origin: null as another site", async () => {
    const before = await roomSequence("lobby");
    const cases: Record<string, string>[] = [
      { "Sec-Fetch-Site": "cross-site" },
      { "Sec-Fetch-Site": "same-site" },
      { Origin: "null" },
      { Origin: "null", "Sec-Fetch-Site": "same-origin" },
    ];
    for (const headers of cases) {
      const res = await send("/lobby/post", form({ nick: "x", text: JSON.stringify(headers) }, headers));
      expect(res.status, JSON.stringify(headers)).toBe(403);
      await res.arrayBuffer();
    }
    // Another port or scheme is another origin, whatever Sec-Fetch-Site says.
    for (const origin of ["http://chat.test:8080", "https://chat.test", "http://sub.chat.test"]) {
      const res = await send("/lobby/post", form({ nick: "x", text: origin }, { Origin: origin, "Sec-Fetch-Site": "same-origin" }));
      expect(res.status, origin).toBe(403);
      await res.arrayBuffer();
    }
    expect(await roomSequence("lobby")).toBe(before);
  });

  it("should let clients that send neither header post, log in and delete as before", async () => {
    const before = await roomSequence("lobby");
    const posted = await send("/lobby/post", form({ nick: "bot", text: "curl-like" }, { Accept: "application/json" }));
    expect(posted.status).toBe(200);
    const { permalink, secret } = (await posted.json()) as { permalink: string; secret: string };
    expect((await send("/lobby/apilogin", form({ who: "bot", s: "0" }, {}))).status).toBe(200);
    expect(await roomSequence("lobby")).toBe(before + 1);
    const deleted = await send("/lobby/delete", form({ permalink, secret }, { "Sec-Fetch-Site": "none" }));
    expect(deleted.status).toBe(200);
  });

  it("should refuse every state-changing route from another site: post, delete, apilogin, password, admin forms, and any method but GET and HEAD", async () => {
    const cases: [string, RequestInit][] = [
      ["/lobby/post", form({ nick: "a", text: "b" }, FROM_EVIL)],
      ["/lobby/delete", form({ permalink: "a/2026/01/01#entry-1-1", secret: "x" }, FROM_EVIL)],
      ["/lobby/apilogin", form({ who: "bot" }, FROM_EVIL)],
      [`/${ROOM}/password`, form({ current: "first password", next: "whatever1", confirm: "whatever1" }, { ...FROM_EVIL, Authorization: ALICE })],
      ["/lobby/admin/block", form({ rules: "192.0.2.0/24" }, { ...FROM_EVIL, ...ADMIN })],
      ["/lobby/admin/users", form({ user: "mallory", password: "mallory's password" }, { ...FROM_EVIL, ...ADMIN })],
      ["/lobby/post", { method: "PUT", body: "nick=a&text=b", headers: FROM_EVIL }],
      ["/lobby/post", { method: "DELETE", headers: FROM_EVIL }],
      ["/lobby/post", { method: "PATCH", body: "x", headers: FROM_EVIL }],
    ];
    for (const [path, init] of cases) {
      const res = await send(path, init);
      expect(res.status, `${init.method} ${path}`).toBe(403);
      expect(await res.text()).toMatch(/^Refused/);
    }
    const blocklist = (await (await send("/lobby/admin/blocklist", { headers: ADMIN })).json()) as { blocklist: string };
    expect(blocklist.blocklist).not.toContain("192.0.2.0/24");
  });

  it("should let another site read what it may (GET, HEAD), as before", async () => {
    const status = await send("/lobby/var/status.js", { headers: FROM_EVIL });
    expect(status.status).toBe(200);
    expect(status.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect((await send("/lobby/var/seq", { method: "HEAD", headers: FROM_EVIL })).status).toBe(200);
  });

  it("should let the origins of ALLOWED_ORIGINS post as this site does", async () => {
    const before = await roomSequence("lobby");
    for (const origin of ["https://embed.example", "http://friend.example:8080"]) {
      const res = await send("/lobby/post", form({ nick: "embedded", text: origin }, { Origin: origin, "Sec-Fetch-Site": "cross-site" }));
      expect(res.status, origin).toBe(200);
      await res.arrayBuffer();
    }
    expect(await roomSequence("lobby")).toBe(before + 2);
    // An origin is matched whole: not a prefix, not another port.
    for (const origin of ["https://embed.example.evil.example", "http://friend.example:8081", "http://embed.example"]) {
      const res = await send("/lobby/post", form({ nick: "x", text: origin }, { Origin: origin }));
      expect(res.status, origin).toBe(403);
      await res.arrayBuffer();
    }
  });
});

describe("the WebSocket handshake", () => {
  const upgrade = (headers: Record<string, string>) =>
    exports.default.fetch(new Request(`${ORIGIN}/lobby/ws?p=0`, { headers: { Upgrade: "websocket", ...headers } }));

  it("should refuse another site's Origin with 403 before the room, and accept ours, an allowed one, or none", async () => {
    const refused = await upgrade({ Origin: "http://evil.example" });
    expect(refused.status).toBe(403);
    expect(refused.webSocket).toBeNull();
    expect(await refused.text()).toMatch(/may not open this room's WebSocket/);
    expect((await upgrade({ "Sec-Fetch-Site": "cross-site" })).status).toBe(403);

    const accepted: Record<string, string>[] = [{ Origin: ORIGIN }, { Origin: "https://embed.example" }, {}];
    for (const headers of accepted) {
      const res = await upgrade(headers);
      expect(res.status, JSON.stringify(headers)).toBe(101);
      res.webSocket!.accept();
      res.webSocket!.close(1000, "done");
    }
  });

  it("should refuse a private room's socket from another site even with the user's credentials", async () => {
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/${ROOM}/ws?p=0`, { headers: { Upgrade: "websocket", Origin: "http://evil.example", Authorization: ALICE } }),
    );
    expect(res.status).toBe(403);
  });
});
