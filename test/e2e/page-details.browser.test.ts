/**
 * The parts of the pages not covered by the chat tests: permalinks into day
 * archives, inline images, the reader's time zone, and the page's fall back
 * to long-poll when WebSockets cannot be opened.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, loopbackContext } from "../support/browser";
import { startDev, type DevServer } from "../support/wrangler-dev";

let dev: DevServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [dev, browser] = await Promise.all([startDev({ vars: { COMET_HOLD_SECONDS: "5" } }), launchChromium()]);
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await dev?.stop();
});

async function newPage(options: { timezoneId?: string; viewport?: { width: number; height: number } } = {}): Promise<Page> {
  const context = await loopbackContext(browser, {
    locale: "en-US",
    timezoneId: options.timezoneId ?? "UTC",
    viewport: options.viewport ?? { width: 1000, height: 500 },
  });
  contexts.push(context);
  // Only loopback: an image from elsewhere is answered here with a generated picture.
  return context.newPage();
}

async function post(nick: string, text: string): Promise<{ pos: number }> {
  const res = await fetch(`${dev.url}/lobby/post`, { method: "POST", body: new URLSearchParams({ nick, text }), headers: { Accept: "application/json" } });
  expect(res.status).toBe(200);
  return (await res.json()) as { pos: number };
}

describe("permalinks", () => {
  it("should open a day archive at the entry, scrolled into view and highlighted", async () => {
    for (let i = 0; i < 60; i++) await post("filler", `line ${i}`);
    await post("target", "the one we link to");
    for (let i = 0; i < 20; i++) await post("filler", `after ${i}`);
    const page = await newPage();
    await page.goto(`${dev.url}/lobby/`);
    const href = await page.locator(".entry", { hasText: "the one we link to" }).locator("a.permalink").getAttribute("href");
    expect(href).toMatch(/^\/lobby\/a\/\d{4}\/\d{2}\/\d{2}#entry-[0-9a-f]+-[0-9a-f]{2,}$/);
    await page.goto(`${dev.url}${href}`);
    const anchor = href!.split("#")[1]!;
    const target = page.locator(`#${anchor}`);
    await expect.poll(() => target.evaluate((el) => el.matches(":target"))).toBe(true);
    const box = await target.boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y).toBeLessThan(500);
    const background = await target.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).not.toBe("rgba(0, 0, 0, 0)");
    expect(await page.title()).toMatch(/^Chaton Lobby > Archives > \d{4}\/\d{2}\/\d{2}$/);
  }, 30_000);
});

describe("the live view", () => {
  it("should shrink a large inline image to the room's limit and show it whole on click", async () => {
    const page = await newPage();
    // A large picture, served for the image URL by the test itself.
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1200"><rect width="1600" height="1200" fill="#c63"/></svg>`;
    await page.route("https://images.example/big.png", (route) => route.fulfill({ status: 200, contentType: "image/svg+xml", body: svg }));
    await page.goto(`${dev.url}/lobby/`);
    await post("photos", "look https://images.example/big.png");
    const image = page.locator("img.inline-image").last();
    await image.waitFor();
    await expect.poll(async () => (await image.boundingBox())?.width ?? 0).toBeGreaterThan(0);
    const small = (await image.boundingBox())!;
    expect(small.width).toBeLessThanOrEqual(400);
    expect(small.height).toBeLessThanOrEqual(400);
    await image.click();
    await expect.poll(async () => (await image.boundingBox())!.width).toBeGreaterThan(small.width);
    expect(page.url()).toBe(`${dev.url}/lobby/`);
    await image.click();
    await expect.poll(async () => (await image.boundingBox())!.width).toBe(small.width);
  });

  it("should show times in the reader's own time zone", async () => {
    await post("clock", "what time is it");
    const tokyo = await newPage({ timezoneId: "Asia/Tokyo" });
    await tokyo.goto(`${dev.url}/lobby/`);
    const time = tokyo.locator(".entry", { hasText: "what time is it" }).locator("time.timestamp");
    const iso = await time.getAttribute("datetime");
    const shown = await time.textContent();
    const expected = new Intl.DateTimeFormat("en-US", {
      timeZone: "Asia/Tokyo",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).format(new Date(iso!));
    expect(shown).toBe(expected);
  });
});

describe("the transport", () => {
  it("should fall back to long-poll when WebSockets cannot be opened, and keep up", async () => {
    const page = await newPage();
    await page.routeWebSocket(/\/lobby\/ws/, (ws) => ws.close({ code: 1011, reason: "no sockets here" }));
    await page.goto(`${dev.url}/lobby/`);
    await page.locator('.room[data-transport="longpoll"]').waitFor({ timeout: 15_000 });
    const { pos } = await post("fallback", "arrives over long-poll");
    await page.locator(".entry", { hasText: "arrives over long-poll" }).waitFor({ timeout: 8_000 });
    expect(await page.locator(`.entry[data-seq="${pos}"]`).count()).toBe(1);
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 8_000 }).toMatch(/^Connected \(\d+ users? chatting\)$/);
  }, 30_000);
});
