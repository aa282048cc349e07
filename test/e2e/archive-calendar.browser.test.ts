/**
 * The archive's month calendar in chromium against wrangler dev: past days
 * brought in through the admin import API (as `npm run import` sends them),
 * a day page read in the light and the dark scheme and on a phone, screen
 * reader names and hover titles with each day's count, the shades, axe-core,
 * and screenshots in test-results/screenshots/archive-calendar-*.png.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dayStart } from "../../src/protocol/day";
import type { ImportReply, TransferDay } from "../../src/protocol/transfer";
import { launchChromium, loopbackContext } from "../support/browser";
import { PROJECT_ROOT, startDev, type DevServer } from "../support/wrangler-dev";

const SCREENSHOT_DIR = join(PROJECT_ROOT, "test-results", "screenshots");
const ADMIN_TOKEN = "archive-calendar-admin-token";
const ROOMS = [{ name: "lobby", title: "Chaton Lobby", description: "", icon: "/chaton.svg" }];

/** May 2025 (Thursday the 1st), days of a few entries to a busy one. */
const MAY: [day: string, count: number][] = [
  ["2025/05/01", 2],
  ["2025/05/02", 5],
  ["2025/05/05", 12],
  ["2025/05/06", 20],
  ["2025/05/07", 9],
  ["2025/05/12", 34],
  ["2025/05/13", 27],
  ["2025/05/14", 1],
  ["2025/05/19", 16],
  ["2025/05/21", 40],
  ["2025/05/22", 7],
  ["2025/05/26", 3],
  ["2025/05/28", 24],
  ["2025/05/31", 1],
];
const SHOWN = "2025/05/12";

let dev: DevServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [dev, browser] = await Promise.all([startDev({ vars: { ADMIN_TOKEN, ROOMS: JSON.stringify(ROOMS) } }), launchChromium()]);
  let seq = 0;
  const days: TransferDay[] = MAY.map(([day, count]) => ({
    day,
    entries: Array.from({ length: count }, (_, i) => [
      ++seq,
      i % 3 === 0 ? "alice" : "bob",
      dayStart(day) + 9 * 3600 + i * 300,
      1000 + i,
      `${day} #${i}`,
      "192.0.2.1",
    ]),
  }));
  const res = await fetch(`${dev.url}/lobby/admin/import`, {
    method: "POST",
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ kind: "days", archivesOnly: false, days }),
  });
  expect(res.status).toBe(200);
  const reply = (await res.json()) as ImportReply & { kind: "days" };
  expect(reply.days.map((d) => [d.day, d.added])).toEqual(MAY);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
}, 60_000);

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close().catch(() => {});
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await dev?.stop();
}, 30_000);

async function openDay(colorScheme: "light" | "dark", width = 1000): Promise<Page> {
  const context = await loopbackContext(browser, { locale: "en-GB", timezoneId: "UTC", viewport: { width, height: 720 }, colorScheme });
  contexts.push(context);
  const page = await context.newPage();
  await page.emulateMedia({ colorScheme });
  await page.goto(`${dev.url}/lobby/a/${SHOWN}`);
  await page.waitForLoadState("load");
  return page;
}

const label = (day: string, count: number) => `${Number(day.slice(8))} May 2025: ${count} ${count === 1 ? "entry" : "entries"}`;

describe("the archive's month calendar", () => {
  for (const scheme of ["light", "dark"] as const) {
    it(`should read at a glance in the ${scheme} scheme, name each day's count, and pass axe`, async () => {
      const page = await openDay(scheme);
      const calendar = page.locator(".month-panel table.month-calendar");
      await calendar.waitFor();
      expect(await calendar.locator("tbody td.day").count()).toBe(31);

      // Each day with entries: a link named and titled with its count, to its day page.
      for (const [day, count] of MAY) {
        const link = calendar.getByRole("link", { name: label(day, count), exact: true });
        expect(await link.getAttribute("title"), day).toBe(label(day, count));
        expect(new URL((await link.getAttribute("href"))!, dev.url).pathname, day).toBe(`/lobby/a/${day}`);
      }
      expect(await calendar.getByRole("link").count()).toBe(MAY.length);
      const shown = calendar.locator('[aria-current="date"]');
      expect(await shown.count()).toBe(1);
      expect(await shown.getAttribute("aria-label")).toBe(label(SHOWN, 34));

      // Four shades, distinct from each other and from a day without entries.
      const background = (selector: string) =>
        calendar
          .locator(selector)
          .first()
          .evaluate((el) => getComputedStyle(el).backgroundColor);
      const shades = await Promise.all([1, 2, 3, 4].map((n) => background(`td.level-${n}`)));
      const empty = await background("td.day:not([class*='level-'])");
      expect(new Set([...shades, empty]).size, `${shades.join(", ")}; empty ${empty}`).toBe(5);
      expect(empty).toBe("rgba(0, 0, 0, 0)");

      const panel = page.locator(".month-panel");
      await panel.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOT_DIR, `archive-calendar-${scheme}.png`) });

      const { violations } = await new AxeBuilder({ page }).analyze();
      expect(violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
    }, 60_000);
  }

  it("should fit a phone's width", async () => {
    const page = await openDay("light", 360);
    const calendar = page.locator("table.month-calendar");
    await calendar.scrollIntoViewIfNeeded();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const box = (await calendar.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(360);
    // Every day stays a target of at least 24 by 24 CSS pixels.
    for (const link of await calendar.getByRole("link").all()) {
      const target = (await link.boundingBox())!;
      expect(Math.min(target.width, target.height)).toBeGreaterThanOrEqual(24);
    }
    await page.screenshot({ path: join(SCREENSHOT_DIR, "archive-calendar-phone.png"), fullPage: true });
    const { violations } = await new AxeBuilder({ page }).analyze();
    expect(violations.map((v) => v.id)).toEqual([]);
  }, 60_000);
});
