import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_FAILED_LOGINS } from "../../src/protocol/limits";
import { roomSequence, send } from "../support/rooms";
import { basicAuth } from "../support/basic-auth";
import { findElements } from "../support/dom";

const ROOM = "secret";
const RIGHT = basicAuth("alice", "first password");
const WRONG = basicAuth("alice", "not the password");
const NOBODY = basicAuth("mallory", "first password");

/** What must never show to someone who is not signed in. */
const SECRET_NICK = "hushnick";
const SECRET_TEXT = "the launch code is 0000";

function asIp(ip: string, headers: Record<string, string> = {}) {
  return { "CF-Connecting-IP": ip, ...headers };
}

/** Every page and endpoint of a room, with a request that would succeed when signed in. */
function everyRoute(day: string): { name: string; path: string; init?: RequestInit }[] {
  return [
    { name: "room without slash", path: `/${ROOM}` },
    { name: "room page", path: `/${ROOM}/` },
    { name: "comet s=0", path: `/${ROOM}/comet?p=0&s=0` },
    { name: "comet s=1", path: `/${ROOM}/comet?p=0&s=1` },
    { name: "comet html", path: `/${ROOM}/comet?p=0` },
    { name: "websocket", path: `/${ROOM}/ws?p=0`, init: { headers: { Upgrade: "websocket" } } },
    { name: "poster", path: `/${ROOM}/post`, init: { method: "POST", body: new URLSearchParams({ nick: "intruder", text: "let me in" }) } },
    { name: "apilogin", path: `/${ROOM}/apilogin`, init: { method: "POST", body: new URLSearchParams({ who: "bot", s: "0" }) } },
    { name: "today's archive", path: `/${ROOM}/a/today` },
    { name: "a day's archive", path: `/${ROOM}/a/${day}` },
    { name: "RSS", path: `/${ROOM}/var/index.rdf` },
    { name: "status.js", path: `/${ROOM}/var/status.js` },
    { name: "status.scm", path: `/${ROOM}/var/status.scm` },
    { name: "seq", path: `/${ROOM}/var/seq` },
    { name: "stats", path: `/${ROOM}/var/stats` },
    { name: "badge", path: `/${ROOM}/b` },
    { name: "badge page", path: `/${ROOM}/badge.html` },
    { name: "password page", path: `/${ROOM}/password` },
    { name: "unknown path", path: `/${ROOM}/nothing/here` },
  ];
}

async function seedSecret(): Promise<string> {
  const res = await send(`/${ROOM}/post`, {
    method: "POST",
    body: new URLSearchParams({ nick: SECRET_NICK, text: SECRET_TEXT }),
    headers: asIp("198.51.100.1", { Authorization: RIGHT }),
  });
  expect(res.status).toBe(200);
  const now = new Date();
  return `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, "0")}/${String(now.getUTCDate()).padStart(2, "0")}`;
}

describe("a private room", () => {
  it("should ask for credentials on every route and leak no entry, nick or count without the right ones", async () => {
    const day = await seedSecret();
    const seq = Number(await (await send(`/${ROOM}/var/seq`, { headers: { Authorization: RIGHT } })).text());
    expect(seq).toBeGreaterThan(0);
    for (const [who, authorization, network] of [
      ["no credentials", null, 10],
      ["a wrong password", WRONG, 11],
      ["an unknown user", NOBODY, 12],
      ["a malformed header", "Basic !!!", 13],
    ] as const) {
      for (const [index, route] of everyRoute(day).entries()) {
        // A fresh address per request, so that the slow-down for failures does not answer instead.
        const headers: Record<string, string> = { ...asIp(`203.0.${network}.${index + 1}`), ...((route.init?.headers as Record<string, string>) ?? {}) };
        if (authorization !== null) headers["Authorization"] = authorization;
        const res = await send(route.path, { ...route.init, headers, redirect: "manual" });
        const body = await res.text();
        const label = `${route.name} with ${who}`;
        expect(res.status, label).toBe(401);
        expect(res.headers.get("WWW-Authenticate"), label).toMatch(/^Basic realm="secret"/);
        for (const secret of [SECRET_NICK, SECRET_TEXT, "num-chatters", "post-sequence", `${seq}`]) {
          expect(body.includes(secret), `${label} leaks ${secret}`).toBe(false);
        }
      }
    }
    // Nothing was posted by the intruders.
    expect(Number(await (await send(`/${ROOM}/var/seq`, { headers: { Authorization: RIGHT } })).text())).toBe(seq);
  });

  it("should serve every route to a signed-in user", async () => {
    const day = await seedSecret();
    for (const route of everyRoute(day)) {
      if (route.name === "unknown path" || route.name === "websocket") continue;
      const headers = { ...((route.init?.headers as Record<string, string>) ?? {}), Authorization: RIGHT };
      const res = await send(route.path, { ...route.init, headers, redirect: "manual" });
      await res.arrayBuffer();
      expect(res.status, route.name).toBeLessThan(400);
    }
    const ws = await send(`/${ROOM}/ws?p=0`, { headers: { Upgrade: "websocket", Authorization: RIGHT } });
    expect(ws.status).toBe(101);
    ws.webSocket!.accept();
    ws.webSocket!.close(1000);
    const page = await (await send(`/${ROOM}/`, { headers: { Authorization: RIGHT } })).text();
    expect(page).toContain(SECRET_TEXT);
    expect(page).toContain('href="password"');
  });

  it("should keep its activity off the front page", async () => {
    await seedSecret();
    await seedSecret();
    // A public room with a post of its own, its card showing what the private one's must not.
    const posted = await send("/lobby/post", { method: "POST", body: new URLSearchParams({ nick: "public", text: "in the open" }) });
    expect(posted.status).toBe(200);
    expect(await roomSequence(ROOM)).toBeGreaterThanOrEqual(2);
    const front = await (await send("/")).text();
    const card = front.slice(front.indexOf('href="/secret/"'));
    expect(card.slice(0, card.indexOf("</li>"))).toContain("Private room");

    const cards = findElements(front, (tag, attrs) => tag === "li" && attrs["class"] === "room-card");
    const cardOf = (title: string) => {
      const found = cards.filter((c) => c.text.includes(title));
      expect(found, title).toHaveLength(1);
      return found[0]!.text;
    };
    const publicCard = cardOf("Chaton Lobby");
    expect(publicCard).toMatch(/\d+ chatters?|No chatters/);
    expect(publicCard).toMatch(/\d+ seconds? ago/);
    expect(front).toMatch(/class="room-(chatters|updated)"/);
    // The private room's card: its title, description and "Private room", and neither a count nor a time.
    const secretCard = cardOf("Secret Room");
    expect(secretCard.replace(/\s+/g, " ").trim()).toBe("Secret Room Members only. Private room");
    expect(secretCard).not.toMatch(/\d/);
    expect(secretCard).not.toMatch(/chatter|ago|update/i);
    const secretMarkup = card.slice(0, card.indexOf("</li>"));
    expect(secretMarkup).not.toMatch(/room-chatters|room-updated|<time/);
    expect(front).not.toContain(SECRET_NICK);
    expect(front).not.toContain(SECRET_TEXT);
  });

  it("should use strict login: a client id from elsewhere or unknown gets cid -1", async () => {
    const login = await send(`/lobby/apilogin`, { method: "POST", body: new URLSearchParams({ who: "x", s: "0" }) });
    const { cid } = (await login.json()) as { cid: number };
    const reply = (await (await send(`/${ROOM}/comet?p=0&s=0&c=${cid}`, { headers: { Authorization: RIGHT } })).json()) as { cid: number; pos: number };
    expect(reply).toMatchObject({ cid: -1, pos: 0 });
    const own = (await (
      await send(`/${ROOM}/apilogin`, { method: "POST", body: new URLSearchParams({ who: "x", s: "0" }), headers: { Authorization: RIGHT } })
    ).json()) as { cid: number };
    expect(own.cid).toBeGreaterThan(0);
  });

  it("should slow down repeated failed sign-ins from one address with 429 and Retry-After", async () => {
    const ip = "203.0.113.99";
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
      expect((await send(`/${ROOM}/var/seq`, { headers: asIp(ip, { Authorization: basicAuth("alice", `guess ${i}`) }) })).status).toBe(401);
    }
    const slowed = await send(`/${ROOM}/var/seq`, { headers: asIp(ip, { Authorization: basicAuth("alice", "guess again") }) });
    expect(slowed.status).toBe(429);
    expect(Number(slowed.headers.get("Retry-After"))).toBeGreaterThan(0);
    // Even the right password waits its turn from that address; others are not affected.
    expect((await send(`/${ROOM}/var/seq`, { headers: asIp(ip, { Authorization: basicAuth("alice", "still guessing") }) })).status).toBe(429);
    expect((await send(`/${ROOM}/var/seq`, { headers: asIp("203.0.113.100", { Authorization: RIGHT }) })).status).toBe(200);
  });

  it("should let a signed-in user change their own password", async () => {
    const admin = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
    const added = await send(`/${ROOM}/admin/users`, {
      method: "POST",
      body: new URLSearchParams({ user: "bob", password: "bob's old password" }),
      headers: admin,
    });
    expect(added.status).toBe(200);
    const bobOld = basicAuth("bob", "bob's old password");
    const bobNew = basicAuth("bob", "bob's new password");
    expect((await send(`/${ROOM}/password`, { headers: { Authorization: bobOld } })).status).toBe(200);
    const mismatch = await send(`/${ROOM}/password`, {
      method: "POST",
      headers: { Authorization: bobOld },
      body: new URLSearchParams({ current: "bob's old password", next: "bob's new password", confirm: "something else" }),
    });
    expect(mismatch.status).toBe(400);
    const wrongCurrent = await send(`/${ROOM}/password`, {
      method: "POST",
      headers: { Authorization: bobOld },
      body: new URLSearchParams({ current: "nope nope", next: "bob's new password", confirm: "bob's new password" }),
    });
    expect(wrongCurrent.status).toBe(400);
    const changed = await send(`/${ROOM}/password`, {
      method: "POST",
      headers: { Authorization: bobOld },
      body: new URLSearchParams({ current: "bob's old password", next: "bob's new password", confirm: "bob's new password" }),
    });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain("Your password is changed");
    expect((await send(`/${ROOM}/var/seq`, { headers: asIp("198.51.100.50", { Authorization: bobOld }) })).status).toBe(401);
    expect((await send(`/${ROOM}/var/seq`, { headers: asIp("198.51.100.51", { Authorization: bobNew }) })).status).toBe(200);
  });

  it("should never show the admin token or a password in a page or error", async () => {
    const res = await send(`/${ROOM}/admin/users`, { headers: { Authorization: "Bearer wrong-token" } });
    expect(res.status).toBe(401);
    const body = await res.text();
    expect(body).not.toContain(env.ADMIN_TOKEN!);
    expect(body).not.toContain("wrong-token");
    const page = await (await send(`/${ROOM}/password`, { headers: { Authorization: RIGHT } })).text();
    expect(page).not.toContain("first password");
  });
});
