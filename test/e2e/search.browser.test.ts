/**
 * Search in chromium against wrangler dev: from the room page's search box
 * to a result, and from the result to its entry, highlighted on its day page.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, loopbackContext } from "../support/browser";
import { PROJECT_ROOT, startDev, type DevServer } from "../support/wrangler-dev";

/** As in room-page.browser.test.ts: test-results/ on every run, docs/ with UPDATE_SCREENSHOTS=1. */
const SCREENSHOT_DIR = process.env["UPDATE_SCREENSHOTS"] ? join(PROJECT_ROOT, "docs", "screenshots") : join(PROJECT_ROOT, "test-results", "screenshots");

let dev: DevServer;
let browser: Browser;
let context: BrowserContext | null = null;

beforeAll(async () => {
  [dev, browser] = await Promise.all([startDev(), launchChromium()]);
}, 60_000);

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close();
  await dev?.stop();
});

async function post(nick: string, text: string): Promise<void> {
  const res = await fetch(`${dev.url}/lobby/post`, { method: "POST", body: new URLSearchParams({ nick, text }), headers: { Accept: "application/json" } });
  expect(res.status).toBe(200);
}

describe("search in the browser", () => {
  it("should search from the room page, show the match marked, and open the result's entry highlighted on its day", async () => {
    for (let i = 0; i < 40; i++) await post("filler", `line ${i} 東京`);
    await post("花子", "明日は東京タワーで待ち合わせ、18時に");
    for (let i = 0; i < 20; i++) await post("filler", `after ${i}`);

    context = await loopbackContext(browser, { locale: "ja-JP", timezoneId: "UTC", viewport: { width: 1000, height: 500 } });
    const page = await context.newPage();
    await page.goto(`${dev.url}/lobby/`);

    const box = page.getByRole("searchbox", { name: "Search this room" });
    await box.fill("待ち合わせ from:花子");
    await box.press("Enter");
    await page.waitForURL(/\/lobby\/search\?q=/);
    expect(await page.title()).toBe("Chaton Lobby > Search: 待ち合わせ from:花子");

    const results = page.locator("ol.search-results > li.search-result");
    expect(await results.count()).toBe(1);
    const result = results.first();
    expect(await result.locator(".chatter").textContent()).toBe("花子");
    expect(await result.locator(".search-text").textContent()).toBe("明日は東京タワーで待ち合わせ、18時に");
    expect(await result.locator("mark").allTextContents()).toEqual(["待ち合わせ"]);
    // The search box keeps the query.
    expect(await page.getByRole("searchbox", { name: "Search this room" }).inputValue()).toBe("待ち合わせ from:花子");

    const link = result.locator("a.result-link");
    const href = await link.getAttribute("href");
    expect(href).toMatch(/^\/lobby\/a\/\d{4}\/\d{2}\/\d{2}#entry-[0-9a-f]+-[0-9a-f]{2,}$/);
    await link.click();
    await page.waitForURL((url) => url.pathname.startsWith("/lobby/a/"));
    const anchor = href!.split("#")[1]!;
    const target = page.locator(`#${anchor}`);
    await expect.poll(() => target.evaluate((el) => el.matches(":target"))).toBe(true);
    expect(await target.locator(".entry-text").textContent()).toBe("明日は東京タワーで待ち合わせ、18時に");
    const box2 = await target.boundingBox();
    expect(box2!.y).toBeGreaterThanOrEqual(0);
    expect(box2!.y).toBeLessThan(500);
    expect(await target.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe("rgba(0, 0, 0, 0)");

    // The day page has a search box too, and a short word of two characters is found from it.
    const dayBox = page.getByRole("searchbox", { name: "Search this room" });
    await dayBox.fill("東京");
    await dayBox.press("Enter");
    await page.waitForURL(/\/lobby\/search\?q=/);
    expect(await page.locator("ol.search-results > li.search-result").count()).toBe(41);
    expect(await page.locator("a[rel=next]").count()).toBe(0);
  }, 60_000);

  it("should look like this (a screenshot of a search, in Latin letters: this machine may have no CJK font)", async () => {
    const chat: [string, string][] = [
      ["alice", "Meet at the TV tower at six?"],
      ["bob", "The tower is closed on Mondays, sadly"],
      ["carol", "Tower of London or Tokyo Tower, which one first"],
      ["alice", "photos from the top: https://example.com/tower.html"],
      ["dave", "I took the stairs up the tower\n600 steps\nnever again"],
    ];
    for (const [nick, text] of chat) await post(nick, text);
    const page = await context!.newPage();
    await page.setViewportSize({ width: 1000, height: 640 });
    await page.goto(`${dev.url}/lobby/search?q=${encodeURIComponent("tower -closed")}`);
    expect(await page.locator("ol.search-results > li.search-result").count()).toBe(4);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, "search-desktop.png") });
  }, 60_000);
});
