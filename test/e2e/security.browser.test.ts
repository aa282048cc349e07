/**
 * Finding 1 of issue 18 in a real browser: a page on another site
 * (127.0.0.2, another site to the browser than 127.0.0.1) makes the
 * browser of a signed-in member of a private room post into it, change the
 * member's password, and open the room's WebSocket. All of it fails, while
 * the room's own page still posts and changes the password.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browser";
import { startDev, type DevServer } from "../support/wrangler-dev";

const TOKEN = "browser-security-admin-token";
const ROOMS = [
  { name: "lobby", title: "Chaton Lobby", description: "", icon: "/chaton.svg" },
  { name: "secret", title: "Secret Room", description: "", icon: "/chaton.svg", private: true },
];
const PASSWORD = "first password";
const NEW_PASSWORD = "a password of my own";
const ATTACKER_PASSWORD = "taken over by evil";

let dev: DevServer;
let browser: Browser;
let attacker: Server;
let attackerOrigin: string;
let context: BrowserContext;

/** The other site's pages, each doing one thing to the room as soon as it loads. */
function attackerPage(path: string): string {
  const room = `${dev.url}/secret`;
  switch (path) {
    case "/post":
      return `<form method="post" action="${room}/post"><input name="nick" value="alice"><input name="text" value="posted by another site"></form><script>document.forms[0].submit()</script>`;
    case "/password":
      return `<form method="post" action="${room}/password"><input name="current" value="${PASSWORD}"><input name="next" value="${ATTACKER_PASSWORD}"><input name="confirm" value="${ATTACKER_PASSWORD}"></form><script>document.forms[0].submit()</script>`;
    case "/script":
      return `<p id="done">working</p><script>
        const results = {};
        const body = new URLSearchParams({ nick: "alice", text: "fetched by another site" });
        fetch("${room}/post", { method: "POST", mode: "no-cors", credentials: "include", body })
          .then(() => (results.post = "sent"), (e) => (results.post = "failed " + e))
          .then(() => new Promise((resolve) => {
            const ws = new WebSocket("${room.replace("http", "ws")}/ws?p=0");
            ws.onopen = () => { results.socket = "open"; ws.close(); resolve(); };
            ws.onerror = () => { results.socket = "refused"; resolve(); };
          }))
          .then(() => { document.getElementById("done").textContent = JSON.stringify(results); });
      </script>`;
    default:
      return "<p>nothing here</p>";
  }
}

beforeAll(async () => {
  [dev, browser] = await Promise.all([
    startDev({ vars: { ADMIN_TOKEN: TOKEN, FIRST_USER: `alice:${PASSWORD}`, ROOMS: JSON.stringify(ROOMS), STATUS_CACHE_SECONDS: "0" } }),
    launchChromium(),
  ]);
  attacker = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(`<!DOCTYPE html><html><head><title>A page elsewhere</title></head><body>${attackerPage(req.url ?? "/")}</body></html>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.2", resolve));
  attackerOrigin = `http://127.0.0.2:${(attacker.address() as AddressInfo).port}`;
  // A member signed in to the private room: the browser answers its sign-in with these.
  context = await browser.newContext({ httpCredentials: { username: "alice", password: PASSWORD } });
  context.setDefaultTimeout(10_000);
}, 60_000);

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close();
  await new Promise((resolve) => attacker?.close(resolve));
  await dev?.stop();
});

const basic = (password: string) => `Basic ${Buffer.from(`alice:${password}`).toString("base64")}`;
const signsIn = async (password: string) => (await fetch(`${dev.url}/secret/var/seq`, { headers: { Authorization: basic(password) } })).status === 200;

async function texts(): Promise<string[]> {
  const res = await fetch(`${dev.url}/secret/admin/export`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return ((await res.json()) as { current: [number, string, number, number, string, string][] }).current.map((e) => e[4]);
}

describe("the Content-Security-Policy", () => {
  it("should let every page do all it does (the theme script, the socket, images, players, the badge) with no violation", async () => {
    const own = await browser.newContext({ httpCredentials: { username: "alice", password: PASSWORD } });
    // Nothing leaves loopback: other hosts are refused by the browser itself, after the policy allowed them.
    await own.route(
      (url) => url.hostname !== "127.0.0.1",
      (route) => route.abort("blockedbyclient"),
    );
    await own.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { violations: string[] }).violations = seen;
      document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const posted = await fetch(`${dev.url}/lobby/post`, {
      method: "POST",
      body: new URLSearchParams({
        nick: "links",
        text: "see https://images.example/cat.png and https://www.youtube.com/watch?v=dQw4w9WgXcQ and https://www.nicovideo.jp/watch/sm9",
      }),
    });
    expect(posted.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
    for (const path of ["/", "/lobby/", `/lobby/a/${today}`, "/lobby/search?q=cat", "/lobby/badge.html", "/secret/", "/secret/password"]) {
      const page = await own.newPage();
      await page.goto(`${dev.url}${path}`);
      await page.waitForLoadState("networkidle");
      if (path === "/lobby/")
        await page
          .locator("#status", { hasText: /connected|live/i })
          .or(page.locator("iframe.embed"))
          .first()
          .waitFor();
      if (path === "/lobby/badge.html") await page.locator(".chaton-badge").waitFor();
      expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations), path).toEqual([]);
      await page.close();
    }
    await own.close();
  }, 60_000);
});

describe("a page on another site", () => {
  it("should let the room's own page post, as a signed-in member", async () => {
    const page = await context.newPage();
    await page.goto(`${dev.url}/secret/`);
    await page.fill("#nick", "alice");
    await page.fill("#text", "posted from the room's own page");
    await page.click("#post-form button[type=submit]");
    await page.locator("#view .entry-text", { hasText: "posted from the room's own page" }).waitFor();
    expect(await texts()).toEqual(["posted from the room's own page"]);
    await page.close();
  });

  it("should not make the member's browser post into the room with a form", async () => {
    const page = await context.newPage();
    await page.goto(`${attackerOrigin}/post`);
    await page.waitForURL(`${dev.url}/secret/post`);
    expect(await page.locator("body").textContent()).toMatch(/^Refused: a page on another site may not post/);
    expect(await texts()).toEqual(["posted from the room's own page"]);
    await page.close();
  });

  it("should not change the member's password, right current password and all", async () => {
    const page = await context.newPage();
    await page.goto(`${attackerOrigin}/password`);
    await page.waitForURL(`${dev.url}/secret/password`);
    expect(await page.locator("body").textContent()).toMatch(/^Refused/);
    expect(await signsIn(PASSWORD)).toBe(true);
    expect(await signsIn(ATTACKER_PASSWORD)).toBe(false);
    await page.close();
  });

  it("should not post with a script's fetch, nor open the room's WebSocket", async () => {
    const page = await context.newPage();
    await page.goto(`${attackerOrigin}/script`);
    await page.locator("#done", { hasText: "socket" }).waitFor();
    expect(JSON.parse((await page.locator("#done").textContent()) ?? "")).toEqual({ post: "sent", socket: "refused" });
    expect(await texts()).toEqual(["posted from the room's own page"]);
    await page.close();
  });

  it("should let the room's own password page change the password", async () => {
    const page = await context.newPage();
    await page.goto(`${dev.url}/secret/password`);
    await page.fill("#current", PASSWORD);
    await page.fill("#next", NEW_PASSWORD);
    await page.fill("#confirm", NEW_PASSWORD);
    await page.click(".password-form button[type=submit]");
    await page.locator(".notice", { hasText: "Your password is changed" }).waitFor();
    expect(await signsIn(NEW_PASSWORD)).toBe(true);
    expect(await signsIn(PASSWORD)).toBe(false);
    await page.close();
  });
});
