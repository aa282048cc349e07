/**
 * What people expect of a chat page today, in Debian's Chromium against
 * `wrangler dev`: mentions and notifications, where I left off, jump to
 * latest, dark mode, the manifest, screen readers and keyboards (axe-core on
 * every page in both schemes), deleting one's own post, the small links.
 *
 * A hidden page is emulated through the Page Visibility API (headless
 * Chromium keeps every page visible): `document.visibilityState` is redefined
 * and `visibilitychange` dispatched, which is all the page's script reads.
 * Each test has a room of its own; nothing leaves loopback.
 */
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, loopbackContext } from "../support/browser";
import { startDev, type DevServer } from "../support/wrangler-dev";

const room = (name: string, title: string, extra: Record<string, unknown> = {}) => ({
  name,
  title,
  description: `The ${title.toLowerCase()}.`,
  icon: "/chaton.svg",
  login: "loose",
  image_max_px: 400,
  ...extra,
});
const ROOMS = [
  room("lobby", "Chaton Lobby"),
  room("mentions", "Mention Room"),
  room("leftoff", "Left Off Room"),
  room("jump", "Jump Room"),
  room("dark", "Dark Room"),
  room("install", "Install Room"),
  room("axe", "Axe Room"),
  room("own", "Own Room"),
  room("keys", "Keyboard Room"),
  room("tabs", "Tab Room"),
  room("members", "Members Room", { private: true, login: "strict" }),
];
const ADMIN_TOKEN = "features-admin-token";
const MEMBER = { username: "carol", password: "carol's password" };
const CONNECTED = /^Connected \(\d+ users? chatting\)$/;

let dev: DevServer;
let browser: Browser;
const openContexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  [dev, browser] = await Promise.all([startDev({ vars: { ROOMS: JSON.stringify(ROOMS), ADMIN_TOKEN, COMET_HOLD_SECONDS: "5" } }), launchChromium()]);
  const added = await fetch(`${dev.url}/members/admin/users`, {
    method: "POST",
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    body: new URLSearchParams({ user: MEMBER.username, password: MEMBER.password }),
  });
  expect(added.status).toBe(200);
}, 60_000);

afterEach(async () => {
  for (const context of openContexts.splice(0)) await context.close().catch(() => {});
  expect(pageErrors.splice(0), "uncaught exceptions in the page").toEqual([]);
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await dev?.stop();
}, 30_000);

async function newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await loopbackContext(browser, { locale: "en-US", timezoneId: "UTC", viewport: { width: 1000, height: 600 }, ...options });
  openContexts.push(context);
  context.on("page", (page) => page.on("pageerror", (error) => pageErrors.push(`${page.url()}: ${error.message}`)));
  return context;
}

async function openRoom(name: string, context?: BrowserContext): Promise<Page> {
  const page = await (context ?? (await newContext())).newPage();
  await page.goto(`${dev.url}/${name}/`);
  await page.locator("#status").filter({ hasText: CONNECTED }).waitFor();
  return page;
}

async function httpPost(name: string, nick: string, text: string): Promise<{ pos: number; permalink: string; secret: string }> {
  const res = await fetch(`${dev.url}/${name}/post`, {
    method: "POST",
    body: new URLSearchParams({ nick, text }),
    headers: { Accept: "application/json" },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { pos: number; permalink: string; secret: string };
}

const entry = (page: Page, text: string) => page.locator("#view .entry").filter({ has: page.locator(".entry-text").getByText(text, { exact: true }) });

/** Emulates the page going to the background (hidden: true) or coming back. */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((hidden) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}

/** The notifications the page's service worker shows now. */
function notifications(page: Page): Promise<{ title: string; body: string; data: { room: string; anchor: string } }[]> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, data: n.data }));
  });
}

/** The text of the entry right after the divider, and how many dividers there are. */
function divider(page: Page): Promise<{ count: number; next: string | null; text: string | null }> {
  return page.evaluate(() => {
    const all = document.querySelectorAll("#view .new-divider");
    const first = all[0];
    return {
      count: all.length,
      text: first?.textContent ?? null,
      next: first?.nextElementSibling?.querySelector(".entry-text")?.textContent ?? null,
    };
  });
}

/** Whether an element is within the scrolled view's visible part. */
function inView(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((selector) => {
    const el = document.querySelector(selector);
    if (el === null) return false;
    const view = document.querySelector("#view")!.getBoundingClientRect();
    const box = el.getBoundingClientRect();
    return box.top >= view.top - 1 && box.bottom <= view.bottom + 1;
  }, selector);
}

const backgroundOf = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
const LIGHT_BG = "rgb(247, 247, 245)";
const DARK_BG = "rgb(22, 23, 26)";

describe("mentions and notifications", () => {
  it("highlights mentions of the nickname and listed words, and notifies only while hidden; the click shows the entry", async () => {
    const context = await newContext();
    await context.grantPermissions(["notifications"], { origin: dev.url });
    const page = await openRoom("mentions", context);
    await page.locator("#nick").fill("bob");
    await page.locator("#nick").blur();
    await page.locator("summary").click();
    await page.getByLabel("Notify me of mentions while the page is hidden").check();
    await page.waitForFunction(async () => (await navigator.serviceWorker.getRegistration()) !== undefined, undefined, { timeout: 5_000 });
    expect(await page.locator("#notify").isChecked()).toBe(true);
    await page.getByLabel("Highlight my nickname and these words (comma-separated):").fill("biscuits, tea time");
    await page.getByLabel("Highlight my nickname and these words (comma-separated):").blur();

    // Visible: highlighted, never notified.
    await httpPost("mentions", "alice", "Bob, are you there?");
    await httpPost("mentions", "alice", "nobody special here");
    await httpPost("mentions", "alice", "bobsleigh is not a mention");
    await httpPost("mentions", "alice", "who brought BISCUITS?");
    await httpPost("mentions", "bob", "bob here, talking about bob");
    await entry(page, "bob here, talking about bob").waitFor();
    const marked = await page.$$eval("#view .entry.mention .entry-text", (els) => els.map((e) => e.textContent));
    expect(marked).toEqual(["Bob, are you there?", "who brought BISCUITS?"]);
    expect(await notifications(page)).toEqual([]);
    expect(await page.title()).toBe("Mention Room");

    // Hidden: a plain entry counts in the title; a mention notifies and marks the title.
    await setHidden(page, true);
    await httpPost("mentions", "alice", "just chatting");
    await entry(page, "just chatting").waitFor({ state: "attached" });
    await expect.poll(() => page.title()).toBe("[1] Mention Room");
    expect(await notifications(page)).toEqual([]);
    await httpPost("mentions", "alice", "bob: it is tea time!");
    await expect.poll(() => notifications(page)).toHaveLength(1);
    const anchor = await entry(page, "bob: it is tea time!").getAttribute("id");
    expect(await notifications(page)).toEqual([{ title: "alice in Mention Room", body: "bob: it is tea time!", data: { room: "/mentions/", anchor } }]);
    await expect.poll(() => page.title()).toBe("@ [2] Mention Room");

    // Many entries later the mention is scrolled out of sight; the notification's click brings it back.
    for (let i = 0; i < 30; i++) await httpPost("mentions", "alice", `filler ${i}`);
    await entry(page, "filler 29").waitFor({ state: "attached" });
    expect(await inView(page, `#${anchor}`)).toBe(false);
    await setHidden(page, false);
    // No test API clicks a system notification: the worker gets the click event it would get.
    // (An untrusted event cannot extend its lifetime; the worker's handler has started by then.)
    const [worker] = context.serviceWorkers();
    await worker!.evaluate(async () => {
      const scope = globalThis as unknown as {
        registration: ServiceWorkerRegistration;
        NotificationEvent: new (type: string, init: { notification: Notification }) => Event;
      };
      const [notification] = await scope.registration.getNotifications();
      globalThis.dispatchEvent(new scope.NotificationEvent("notificationclick", { notification: notification! }));
    });
    await expect.poll(() => inView(page, `#${anchor}`)).toBe(true);
    expect(await page.locator(`#${anchor}`).getAttribute("class")).toContain("highlighted");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(anchor);
    expect(await notifications(page)).toEqual([]);
  }, 40_000);

  it("never asks for the permission on load, and says so when the browser refuses it", async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { __asked: number };
      w.__asked = 0;
      const original = Notification.requestPermission.bind(Notification);
      Notification.requestPermission = () => {
        w.__asked++;
        return original();
      };
    });
    await page.goto(`${dev.url}/mentions/`);
    await page.locator("#status").filter({ hasText: CONNECTED }).waitFor();
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as unknown as { __asked: number }).__asked)).toBe(0);
    await page.locator("summary").click();
    // Headless Chromium denies a permission no one granted.
    await page.locator("#notify").check();
    await page
      .locator("#notify-state")
      .filter({ hasText: /blocked/ })
      .waitFor();
    expect(await page.evaluate(() => (window as unknown as { __asked: number }).__asked)).toBe(1);
    expect(await page.locator("#notify").isChecked()).toBe(false);
  }, 20_000);
});

describe("where I left off", () => {
  it("puts the divider at the first entry that arrived while hidden, and after a reload at the first not seen", async () => {
    const context = await newContext();
    const page = await openRoom("leftoff", context);
    await httpPost("leftoff", "alice", "seen 1");
    await entry(page, "seen 1").waitFor();
    expect((await divider(page)).count).toBe(0);

    await setHidden(page, true);
    await httpPost("leftoff", "alice", "while away 1");
    await httpPost("leftoff", "alice", "while away 2");
    await entry(page, "while away 2").waitFor({ state: "attached" });
    expect(await divider(page)).toEqual({ count: 1, text: "New since you left", next: "while away 1" });
    await setHidden(page, false);
    await httpPost("leftoff", "alice", "seen 2");
    await entry(page, "seen 2").waitFor();
    expect((await divider(page)).next).toBe("while away 1");

    // Away again: the divider moves to the first entry of this absence.
    await setHidden(page, true);
    await httpPost("leftoff", "alice", "while away 3");
    await entry(page, "while away 3").waitFor({ state: "attached" });
    expect(await divider(page)).toMatchObject({ count: 1, next: "while away 3" });

    // A reload: the last entry seen was "seen 2".
    await page.reload();
    await page.locator("#status").filter({ hasText: CONNECTED }).waitFor();
    expect(await divider(page)).toMatchObject({ count: 1, next: "while away 3" });

    // The page closed, entries posted, the room opened again: from the first of them, scrolled to it.
    await page.close();
    for (let i = 0; i < 40; i++) await httpPost("leftoff", "alice", `while closed ${i}`);
    const again = await openRoom("leftoff", context);
    expect(await divider(again)).toMatchObject({ count: 1, next: "while closed 0" });
    expect(await inView(again, "#view .new-divider")).toBe(true);
    // Seen now: another visit has nothing new.
    await again.reload();
    await again.locator("#status").filter({ hasText: CONNECTED }).waitFor();
    expect((await divider(again)).count).toBe(0);
  }, 40_000);

  it("shows 'jump to latest' when entries arrive while scrolled up, and jumps", async () => {
    for (let i = 0; i < 40; i++) await httpPost("jump", "alice", `line ${i}`);
    const page = await openRoom("jump");
    const jump = page.getByRole("button", { name: /^Jump to latest/ });
    expect(await jump.isVisible()).toBe(false);
    // At the bottom, new entries are followed and no button shows.
    await httpPost("jump", "alice", "followed");
    await entry(page, "followed").waitFor();
    expect(await inView(page, "#view .entry:last-of-type")).toBe(true);
    expect(await jump.isVisible()).toBe(false);

    await page.locator("#view").evaluate((view) => view.scrollTo({ top: 0 }));
    await httpPost("jump", "alice", "new 1");
    await httpPost("jump", "alice", "new 2");
    await jump.filter({ hasText: "Jump to latest (2 new)" }).waitFor();
    expect(await inView(page, "#view .entry:last-of-type")).toBe(false);
    await jump.click();
    expect(await inView(page, "#view .entry:last-of-type")).toBe(true);
    await jump.waitFor({ state: "hidden" });

    // Scrolling down by hand hides it too.
    await page.locator("#view").evaluate((view) => view.scrollTo({ top: 0 }));
    await httpPost("jump", "alice", "new 3");
    await jump.filter({ hasText: "(1 new)" }).waitFor();
    await page.locator("#view").evaluate((view) => view.scrollTo({ top: view.scrollHeight }));
    await jump.waitFor({ state: "hidden" });
  }, 30_000);
});

describe("dark mode", () => {
  it("follows prefers-color-scheme on every page", async () => {
    await httpPost("dark", "alice", "in the dark");
    for (const [scheme, background, pressed] of [
      ["light", LIGHT_BG, "false"],
      ["dark", DARK_BG, "true"],
    ] as const) {
      const context = await newContext({ colorScheme: scheme });
      const page = await openRoom("dark", context);
      for (const path of ["/dark/", "/dark/a/today", "/dark/badge.html", "/", "/no/such/page"]) {
        await page.goto(`${dev.url}${path}`);
        expect(await backgroundOf(page), `${path} ${scheme}`).toBe(background);
        expect(await page.getByRole("button", { name: "Dark mode" }).getAttribute("aria-pressed"), path).toBe(pressed);
      }
    }
    // A change of the system's scheme while the page is open.
    const context = await newContext({ colorScheme: "light" });
    const page = await openRoom("dark", context);
    await page.emulateMedia({ colorScheme: "dark" });
    // The media change reaches the page's listener as an event, a moment after emulateMedia returns.
    await expect.poll(() => backgroundOf(page)).toBe(DARK_BG);
    await expect.poll(() => page.getByRole("button", { name: "Dark mode" }).getAttribute("aria-pressed")).toBe("true");
  }, 30_000);

  it("switches with the button, remembers the choice across reloads and pages, and returns to the system's", async () => {
    const context = await newContext({ colorScheme: "light" });
    const page = await openRoom("dark", context);
    const toggle = page.getByRole("button", { name: "Dark mode" });
    expect(await backgroundOf(page)).toBe(LIGHT_BG);
    await toggle.click();
    expect(await backgroundOf(page)).toBe(DARK_BG);
    expect(await toggle.getAttribute("aria-pressed")).toBe("true");
    expect(await page.evaluate(() => localStorage.getItem("chaton.theme"))).toBe("dark");

    await page.reload();
    expect(await backgroundOf(page)).toBe(DARK_BG);
    // Applied before the first paint: the page never showed the light scheme.
    expect(await page.evaluate(() => document.documentElement.dataset["theme"])).toBe("dark");
    await page.goto(`${dev.url}/dark/a/today`);
    expect(await backgroundOf(page)).toBe(DARK_BG);
    const other = await context.newPage();
    await other.goto(`${dev.url}/dark/badge.html`);
    expect(await backgroundOf(other)).toBe(DARK_BG);

    // Back to light, which is the system's: the choice is forgotten and the page follows the system again.
    await other.getByRole("button", { name: "Dark mode" }).click();
    expect(await backgroundOf(other)).toBe(LIGHT_BG);
    expect(await other.evaluate(() => localStorage.getItem("chaton.theme"))).toBeNull();
    // The other open page of the site follows at once.
    await expect.poll(() => backgroundOf(page)).toBe(LIGHT_BG);
    await other.emulateMedia({ colorScheme: "dark" });
    expect(await backgroundOf(other)).toBe(DARK_BG);
  }, 30_000);
});

describe("installing the room", () => {
  it("links a valid manifest that installs the room, full screen, with icons of the sizes it says", async () => {
    const page = await openRoom("install");
    const href = await page.locator('link[rel="manifest"]').getAttribute("href");
    const response = await page.request.get(new URL(href!, page.url()).href);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toMatch(/^application\/manifest\+json/);
    const manifest = (await response.json()) as {
      name: string;
      start_url: string;
      scope: string;
      display: string;
      icons: { src: string; sizes: string; type: string; purpose: string }[];
    };
    expect(manifest).toMatchObject({ name: "Install Room", start_url: "/install/", scope: "/install/", display: "standalone" });
    for (const icon of manifest.icons) {
      const png = await page.request.get(new URL(icon.src, page.url()).href);
      expect(png.status(), icon.src).toBe(200);
      expect(png.headers()["content-type"]).toBe("image/png");
      const bytes = await png.body();
      expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
      expect(`${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`).toBe(icon.sizes);
    }
    expect(manifest.icons.map((i) => i.purpose).sort()).toEqual(["any", "any", "maskable"]);

    // Chromium's own reading of it: no errors, and nothing that keeps the room from being installed.
    const cdp = await page.context().newCDPSession(page);
    const read = (await cdp.send("Page.getAppManifest")) as { errors: unknown[]; url: string };
    expect(read.url).toBe(`${dev.url}/install/manifest.webmanifest`);
    expect(read.errors).toEqual([]);
    const installable = (await cdp.send("Page.getInstallabilityErrors")) as { installabilityErrors: { errorId: string }[] };
    // Test contexts are incognito profiles, which Chromium never installs to; nothing else may stand in the way.
    expect(installable.installabilityErrors.map((e) => e.errorId).filter((id) => id !== "in-incognito")).toEqual([]);
  }, 20_000);
});

describe("screen readers and keyboards", () => {
  it("finds no serious or critical axe violation on any page, in either scheme", async () => {
    // The room page in its fullest state: a mention, the divider, an own post with its
    // Delete button, the jump button, the settings open.
    for (let i = 0; i < 30; i++) await httpPost("axe", "alice", `filler ${i}`);
    const results: string[] = [];
    for (const scheme of ["light", "dark"] as const) {
      const context = await newContext({ colorScheme: scheme, httpCredentials: MEMBER });
      const page = await openRoom("axe", context);
      await page.locator("#nick").fill("bob");
      await page.locator("#text").fill(`my own post (${scheme})`);
      await page.locator("#text").press("Enter");
      await entry(page, `my own post (${scheme})`).locator(".delete-own").waitFor();
      await setHidden(page, true);
      await httpPost("axe", "alice", `hello bob (${scheme})`);
      await page.locator("#view .new-divider").waitFor();
      await setHidden(page, false);
      await page.locator("#view").evaluate((view) => view.scrollTo({ top: 0 }));
      await httpPost("axe", "alice", `one more (${scheme})`);
      await page.locator("#jump").waitFor();
      await page.locator("summary").click();
      expect(await page.locator("#view .entry.mention").count()).toBeGreaterThan(0);

      const pages: [string, Page][] = [["room", page]];
      for (const path of ["/axe/a/today", "/axe/badge.html", "/members/password", "/", "/no/such/page"]) {
        const other = await context.newPage();
        await other.goto(`${dev.url}${path}`);
        pages.push([path, other]);
      }
      for (const [name, p] of pages) {
        await p.waitForLoadState("load");
        const { violations } = await new AxeBuilder({ page: p }).analyze();
        for (const v of violations) {
          if (v.impact === "serious" || v.impact === "critical") {
            results.push(`${scheme} ${name}: ${v.impact} ${v.id} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
          }
        }
      }
      expect(await pages[3]![1].locator("h1").textContent()).toBe("Change your password");
    }
    expect(results).toEqual([]);
  }, 120_000);

  it("announces new entries in a log region without re-rendering the others, and names every control", async () => {
    await httpPost("keys", "alice", "first");
    const page = await openRoom("keys");
    const log = page.getByRole("log", { name: "Messages" });
    expect(await log.getAttribute("aria-live")).toBe("polite");
    expect(await log.getAttribute("aria-relevant")).toBe("additions");
    await page
      .locator("#view .entry")
      .first()
      .evaluate((el) => ((el as unknown as { __old: boolean }).__old = true));
    await httpPost("keys", "alice", "second");
    await entry(page, "second").waitFor();
    // The old entry is the same node (nothing re-read), the new one was added to the log.
    expect(
      await page
        .locator("#view .entry")
        .first()
        .evaluate((el) => (el as unknown as { __old?: boolean }).__old),
    ).toBe(true);
    expect(await log.locator(".entry-text").allTextContents()).toEqual(["first", "second"]);
    for (const name of ["Dark mode", "Post"]) expect(await page.getByRole("button", { name }).count(), name).toBe(1);
    expect(await page.locator("summary").getAttribute("aria-label")).toBe("Settings");
    expect(await page.getByRole("form", { name: "Post a message" }).count()).toBe(1);
  }, 20_000);

  it("goes through the header, the log and the form in order from the keyboard, with a visible focus", async () => {
    await httpPost("tabs", "alice", "hello");
    const page = await openRoom("tabs");
    const order: string[] = [];
    const outlines: string[] = [];
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press("Tab");
      const { name, outline } = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const style = getComputedStyle(el);
        const label = el.getAttribute("aria-label") ?? (el.id ? `#${el.id}` : (el.textContent ?? "").trim());
        return { name: `${el.tagName.toLowerCase()}:${label}`, outline: `${style.outlineStyle} ${style.outlineWidth}` };
      });
      order.push(name);
      outlines.push(outline);
      if (name === "button:Post") break;
    }
    expect(order).toEqual([
      "a:#day-archive",
      "a:RSS",
      "a:Badge",
      "input:#search-q",
      "button:Search",
      "summary:Settings",
      "button:Dark mode",
      "div:Messages",
      expect.stringMatching(/^a:#/),
      "input:#nick",
      "input:#remember",
      "input:#return-posts",
      "textarea:#text",
      "button:Post",
    ]);
    for (const outline of outlines) expect(outline).toBe("solid 3px");
    // The settings open from the keyboard, and their fields come next.
    await page.locator("summary").focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("watch-words");
  }, 20_000);
});

describe("deleting one's own post", () => {
  it("lets the author delete a post from the page, gone from another browser's view too; no one else gets the button", async () => {
    const author = await openRoom("own");
    const reader = await openRoom("own");
    await author.locator("#nick").fill("alice");
    await author.locator("#text").fill("oops, wrong window");
    await author.locator("#text").press("Enter");
    await entry(reader, "oops, wrong window").waitFor();
    const mine = entry(author, "oops, wrong window");
    await mine.getByRole("button", { name: "Delete your message" }).waitFor();
    expect(await entry(reader, "oops, wrong window").locator(".delete-own").count()).toBe(0);
    const stored = await author.evaluate(() => JSON.parse(localStorage.getItem("chaton.own.own")!) as Record<string, [string, string, number]>);
    const anchor = (await mine.getAttribute("id"))!;
    expect(stored[anchor]![0]).toMatch(new RegExp(`^a/\\d{4}/\\d\\d/\\d\\d#${anchor}$`));

    // Anyone else, without the secret or with a wrong one, is refused with a reason.
    const refusals = await reader.evaluate(async (permalink) => {
      const tries: Record<string, string>[] = [{ permalink }, { permalink, secret: "not-the-secret-at-all1" }];
      return Promise.all(
        tries.map(async (fields) => {
          const res = await fetch("delete", { method: "POST", body: new URLSearchParams(fields) });
          return `${res.status} ${(await res.text()).trim()}`;
        }),
      );
    }, stored[anchor]![0]);
    expect(refusals).toEqual([
      "403 Only the author may delete a post: the secret its acknowledgement gave is required",
      "403 That secret does not delete this post",
    ]);
    expect(await entry(reader, "oops, wrong window").count()).toBe(1);

    author.once("dialog", (dialog) => void dialog.accept());
    await mine.getByRole("button", { name: "Delete your message" }).click();
    await mine.waitFor({ state: "detached" });
    await entry(reader, "oops, wrong window").waitFor({ state: "detached", timeout: 7_000 });
    expect(await author.evaluate(() => localStorage.getItem("chaton.own.own"))).toBeNull();
  }, 30_000);

  it("keeps the Delete button for 10 minutes only, and the page remembers it across a reload", async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.clock.install();
    await page.goto(`${dev.url}/own/`);
    await page.locator("#status").filter({ hasText: CONNECTED }).waitFor();
    await page.locator("#nick").fill("alice");
    await page.locator("#text").fill("a post with a deadline");
    await page.locator("#text").press("Enter");
    const mine = entry(page, "a post with a deadline");
    await mine.locator(".delete-own").waitFor();
    await page.reload();
    await mine.locator(".delete-own").waitFor();
    await page.clock.fastForward("09:00");
    expect(await mine.locator(".delete-own").count()).toBe(1);
    await page.clock.fastForward("01:05");
    await mine.locator(".delete-own").waitFor({ state: "detached" });
    expect(await page.evaluate(() => localStorage.getItem("chaton.own.own"))).toBeNull();
  }, 30_000);
});

describe("the small things", () => {
  it("links the RSS feed as the page's alternate, and the archive of the day shown", async () => {
    const { permalink } = await httpPost("lobby", "alice", "what day is it");
    const page = await openRoom("lobby");
    const feed = page.locator('link[rel="alternate"][type="application/rss+xml"]');
    const rss = await page.request.get(new URL((await feed.getAttribute("href"))!, page.url()).href);
    expect(rss.headers()["content-type"]).toMatch(/^application\/rss\+xml/);
    const day = permalink.split("#")[0]!;
    expect(await page.getByRole("link", { name: "Archive" }).getAttribute("href")).toBe(day);
    await page.getByRole("link", { name: "Archive" }).click();
    await page.waitForURL(`${dev.url}/lobby/${day}`);
    expect(await page.locator(".entry-text").allTextContents()).toContain("what day is it");
  }, 20_000);
});
