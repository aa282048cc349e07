import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browser";
import { startDev, type DevServer } from "../support/wrangler-dev";

const HOSTILE_TITLE = `Evil "Room" 'x' </script><script>alert(1)</script> <b>bold</b> & co`;
const HOSTILE_DESCRIPTION = `<img src=x onerror=alert(2)> "quoted" </script> & more`;
const ROOMS = [
  { name: "lobby", title: "Chaton Lobby", description: "A place to chat.", icon: "/chaton.svg", login: "loose", image_max_px: 400 },
  { name: "evil", title: HOSTILE_TITLE, description: HOSTILE_DESCRIPTION, icon: '/chaton.svg?a="b"&c=<d>', login: "loose", image_max_px: 400 },
];

let dev: DevServer;
let other: Server;
let otherOrigin: string;
let browser: Browser;

beforeAll(async () => {
  dev = await startDev({ vars: { ROOMS: JSON.stringify(ROOMS), STATUS_CACHE_SECONDS: "1" } });
  // Another site, on another origin, that embeds the badges.
  other = createServer((req, res) => {
    const room = (req.url ?? "/").slice(1) || "lobby";
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(
      `<!DOCTYPE html><html><head><title>Someone's blog</title></head><body><p>My blog</p><script src="${dev.url}/${room}/b"></script><p id="after">after the badge</p></body></html>`,
    );
  });
  await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
  otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => other?.close(resolve));
  await dev?.stop();
});

async function badgeOn(room: string) {
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(`${otherOrigin}/${room}`);
  await page.waitForSelector(".chaton-badge", { timeout: 5000 });
  const box = await page.evaluate(() => {
    const badge = document.querySelector(".chaton-badge")!;
    const link = badge.querySelector<HTMLAnchorElement>("a.chaton-badge-room")!;
    return {
      nextToScript: badge.previousElementSibling?.tagName === "SCRIPT" && badge.nextElementSibling?.id === "after",
      linkText: link.textContent,
      href: link.href,
      icon: link.querySelector("img")!.getAttribute("src"),
      updated: badge.querySelector(".chaton-badge-updated")!.textContent,
      chatters: badge.querySelector(".chaton-badge-chatters")!.textContent,
      scripts: document.scripts.length,
      elements: badge.querySelectorAll("*").length,
    };
  });
  await page.close();
  return { box, dialogs };
}

describe("the badge on another site", () => {
  it("should write a box with the room's icon and name linking to the room, no updates and no chatters", async () => {
    const { box, dialogs } = await badgeOn("lobby");
    expect(box).toMatchObject({
      nextToScript: true,
      linkText: "Chaton Lobby",
      href: `${dev.url}/lobby/`,
      icon: `${dev.url}/chaton.svg`,
      updated: "no known updates",
      chatters: "No chatters",
    });
    expect(dialogs).toEqual([]);
  });

  it("should show a room whose settings hold quotes, </script> and HTML as text, running nothing", async () => {
    const { box, dialogs } = await badgeOn("evil");
    expect(box.linkText).toBe(HOSTILE_TITLE);
    expect(box.href).toBe(`${dev.url}/evil/`);
    expect(box.icon).toBe(`${dev.url}/chaton.svg?a=%22b%22&c=%3Cd%3E`);
    expect(box.scripts).toBe(1);
    expect(box.elements).toBe(4);
    expect(dialogs).toEqual([]);
  });

  it("should say how long ago the last post was and count the chatters", async () => {
    const login = await fetch(`${dev.url}/lobby/apilogin`, { method: "POST", body: new URLSearchParams({ who: "badge-test" }) });
    expect(login.status).toBe(200);
    await fetch(`${dev.url}/lobby/post`, { method: "POST", body: new URLSearchParams({ nick: "a", text: "for the badge" }) });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { box } = await badgeOn("lobby");
    expect(box.updated).toMatch(/^\d+ seconds? ago$/);
    expect(box.chatters).toBe("1 chatter");
  });

  it("should show the hostile room's description and title escaped on the badge page and the front page", async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${dev.url}/evil/badge.html`);
    await page.waitForSelector(".chaton-badge", { timeout: 5000 });
    expect(await page.title()).toBe(`${HOSTILE_TITLE} > Badge`);
    expect(await page.inputValue("#badge-snippet")).toBe(`<script src="${dev.url}/evil/b"></script>`);
    await page.goto(`${dev.url}/`);
    const card = page.locator(".room-card", { has: page.locator('a[href="/evil/"]') });
    expect(await card.locator(".room-title").textContent()).toBe(HOSTILE_TITLE);
    expect(await card.locator(".room-description").textContent()).toBe(HOSTILE_DESCRIPTION);
    expect(await page.locator("img[src=x]").count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
