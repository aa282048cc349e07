/**
 * Rooms and webhooks without a deploy, against `wrangler dev`: a room made
 * with `npm run admin -- room create` opens in a browser (Debian's Chromium)
 * and takes posts, the front page lists it within the Worker's cache of the
 * directory; a webhook URL the CLI prints takes curl's JSON; a room closed
 * with the CLI answers 410 with a link to its archives, which stay readable.
 * Every browser context aborts any request that is not for 127.0.0.1.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIRECTORY_CACHE_MS } from "../../src/protocol/limits";
import { launchChromium, loopbackContext } from "../support/browser";
import { findElements } from "../support/dom";
import { runAdmin } from "../support/admin-cli";
import { startDev, type DevServer } from "../support/wrangler-dev";

const run = promisify(execFile);
const TOKEN = "rooms-test-admin-token";
const ROOM = `garden${Date.now().toString(36)}`;
const CONNECTED = /^Connected \(\d+ users? chatting\)$/;

let dev: DevServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  [dev, browser] = await Promise.all([startDev({ vars: { ADMIN_TOKEN: TOKEN } }), launchChromium()]);
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await dev?.stop();
}, 30_000);

const admin = (args: string[]) => runAdmin(dev.url, TOKEN, args);

/** curl, as a script would call a hook: JSON on the command line; the body and the status code back. */
async function curl(url: string, json: string): Promise<{ status: number; body: string }> {
  const { stdout } = await run("curl", [
    "-sS",
    "--max-time",
    "10",
    "-X",
    "POST",
    "-H",
    "Content-Type: application/json",
    "-d",
    json,
    "-w",
    "\n%{http_code}",
    url,
  ]);
  const cut = stdout.lastIndexOf("\n");
  return { body: stdout.slice(0, cut), status: Number(stdout.slice(cut + 1)) };
}

async function newPage(): Promise<Page> {
  const context = await loopbackContext(browser, { locale: "en-US", timezoneId: "UTC" });
  contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  return page;
}

/** The rooms the front page links to, read with parse5. */
async function frontPageRooms(): Promise<string[]> {
  const html = await (await fetch(`${dev.url}/`, { signal: AbortSignal.timeout(5_000) })).text();
  return findElements(html, (tag, attrs) => tag === "a" && /^\/[^/]+\/$/.test(attrs["href"] ?? "")).map((a) => a.attrs["href"]!.slice(1, -1));
}

function entryWithText(page: Page, text: string) {
  return page.locator("#view .entry").filter({ has: page.locator(".entry-text").getByText(text, { exact: true }) });
}

describe("rooms and webhooks made with npm run admin", () => {
  let visitor: Page;

  it("opens a new room in a browser, which chats in it, and the front page lists it within the cache interval", async () => {
    const created = await admin(["room", "create", ROOM, "--title", "Garden Room", "--description", "Made without a deploy", "--hold-seconds", "5"]);
    expect(created.stderr).toBe(`Room ${ROOM} is open: Garden Room\n`);
    expect(created.code).toBe(0);
    const made = Date.now();
    expect(created.stdout).toBe(`${dev.url}/${ROOM}/\n`);

    while (!(await frontPageRooms()).includes(ROOM)) {
      expect(Date.now() - made, "the front page lists the room within the cache interval").toBeLessThan(DIRECTORY_CACHE_MS + 1_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(Date.now() - made).toBeLessThanOrEqual(DIRECTORY_CACHE_MS + 1_000);

    visitor = await newPage();
    await visitor.goto(created.stdout.trim());
    expect(await visitor.title()).toBe("Garden Room");
    await visitor.locator("#status").filter({ hasText: CONNECTED }).waitFor();
    const other = await newPage();
    await other.goto(created.stdout.trim());
    await other.locator("#status").filter({ hasText: CONNECTED }).waitFor();

    await visitor.locator("#nick").fill("gardener");
    await visitor.locator("#text").fill("the roses are out");
    await visitor.locator("#text").press("Enter");
    await entryWithText(other, "the roses are out").waitFor({ state: "visible" });
    await entryWithText(visitor, "the roses are out").waitFor({ state: "visible" });

    const listed = (await admin(["room", "list"])).stdout
      .trim()
      .split("\n")
      .map((line) => line.split("\t"));
    expect(listed).toContainEqual(["lobby", "wrangler.toml", "open", "public", "Chaton Lobby"]);
    expect(listed).toContainEqual([ROOM, "directory", "open", "public", "Garden Room"]);
    expect(pageErrors).toEqual([]);
  });

  it("takes curl's JSON at the webhook URL the CLI printed, under the hook's name or the given one", async () => {
    const added = await admin(["webhook", "add", ROOM, "deploy bot"]);
    expect(added.code).toBe(0);
    const url = added.stdout.trim();
    expect(url).toMatch(new RegExp(`^${dev.url}/${ROOM}/hooks/[0-9a-f]{16}/[A-Za-z0-9_-]{43}$`));

    expect(await curl(url, '{"text": "release 1.2 is live"}')).toEqual({ status: 200, body: "ok" });
    expect(await curl(url, '{"text": "tests are green", "username": "ci"}')).toEqual({ status: 200, body: "ok" });
    await entryWithText(visitor, "release 1.2 is live").waitFor({ state: "visible" });
    await entryWithText(visitor, "tests are green").waitFor({ state: "visible" });
    const nicks = await visitor.$$eval("#view .entry .entry-header .chatter", (els) => els.map((el) => el.textContent));
    expect(nicks).toEqual(["gardener", "deploy bot", "ci"]);

    expect(
      (
        await curl(
          url.replace(/.$/, (c) => (c === "A" ? "B" : "A")),
          '{"text": "forged"}',
        )
      ).status,
    ).toBe(404);
    expect((await curl(url, "not json")).status).toBe(400);
    const [id] = (await admin(["webhook", "list", ROOM])).stdout.trim().split("\t");
    expect(url).toContain(`/hooks/${id}/`);
    expect((await admin(["webhook", "remove", ROOM, id!])).code).toBe(0);
    expect((await curl(url, '{"text": "after removal"}')).status).toBe(404);
  });

  it("closes the room: 410 with a link to its archives, which show what was said; the name is not reused", async () => {
    const closed = await admin(["room", "close", ROOM]);
    expect(closed.code).toBe(0);
    expect(closed.stdout).toMatch(new RegExp(`^${ROOM}\\tclosed \\d{4}-\\d{2}-\\d{2}\\n$`));

    const page = await newPage();
    const response = await page.goto(`${dev.url}/${ROOM}/`);
    expect(response?.status()).toBe(410);
    await page.getByRole("link", { name: "Read its archives" }).click();
    await page.waitForURL(new RegExp(`/${ROOM}/a/\\d{4}/\\d{2}/\\d{2}$`));
    const archived = await page.$$eval(".entry .entry-text", (els) => els.map((el) => el.textContent));
    expect(archived).toEqual(["the roses are out", "release 1.2 is live", "tests are green"]);

    expect(await frontPageRooms()).not.toContain(ROOM);
    const again = await admin(["room", "create", ROOM]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^409: Room ${ROOM} was closed on \\d{4}-\\d{2}-\\d{2}; the name of a closed room is not used again`));
    expect(pageErrors).toEqual([]);
  });
});
