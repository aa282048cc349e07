/**
 * The archive browser, a/...: day pages from R2 once archived and from the
 * current log before, their navigation and month panel, the redirects, the
 * 404 page for anything else, and escaping of hostile entries.
 *
 * Each test has a room of its own (a fresh Durable Object configured as one of
 * archive0..archive11; R2 keys carry the room name, so no two tests that run
 * the archiver share a name). Entries are put in the log at chosen times, the
 * archiver is run as the room's alarm, and pages are asked of the room.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { nextRunAt } from "../../src/room/archive/archiver";
import { describe, expect, it } from "vitest";
import { dayOf, dayStart, DAY_SECONDS, startOfDay } from "../../src/protocol/day";
import { entryAnchor, type Entry } from "../../src/protocol/entry";
import { decodeDay } from "../../src/room/archive/format";
import type { Room } from "../../src/room/room";
import { parseHtml } from "../support/html";
import { ORIGIN, send } from "../support/rooms";

const IP = "192.0.2.1";
const todayStart = () => startOfDay(Math.floor(Date.now() / 1000));
/** The first second of the UTC day `n` days before today. */
const daysAgo = (n: number) => todayStart() - n * DAY_SECONDS;

type Seed = [nick: string, text: string, ms: number];

interface ArchiveRoom {
  name: string;
  title: string;
  stub: DurableObjectStub;
  /** GET <room-url><relative>, straight to the room; redirects are not followed. */
  get(relative: string): Promise<Response>;
  /** Appends entries at the given times, as posts at those times would be stored. */
  add(seeds: readonly Seed[]): Promise<Entry[]>;
  log(): Promise<Entry[]>;
  /** Runs the archiver (the room's alarm, armed by its first request). */
  archive(): Promise<void>;
}

/** A fresh room configured as `name` (archive0..archive11), woken so that its name and alarm are set. */
async function archiveRoom(name: string): Promise<ArchiveRoom> {
  const stub = env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID()));
  const inside = <R>(fn: (room: Room) => R) => runInDurableObject(stub, (room: Room) => fn(room));
  expect((await stub.fetch(`${ORIGIN}/${name}/var/seq`)).status).toBe(200);
  return {
    name,
    title: `Archive ${name.slice("archive".length)}`,
    stub,
    get: (relative) => stub.fetch(`${ORIGIN}/${name}/${relative}`, { redirect: "manual" }),
    add: (seeds) => inside((room) => seeds.map(([nick, text, ms]) => room.log.append({ nick, text }, IP, ms))),
    log: () => inside((room) => room.log.all()),
    archive: async () => {
      expect(await runDurableObjectAlarm(stub)).toBe(true);
    },
  };
}

/** `count` entries from `sec` on, one a minute, with a millisecond part so that usec is not 0. */
function entriesAt(sec: number, count: number, nick = "alice", text = (i: number) => `${dayOf(sec)} #${i}`): Seed[] {
  return Array.from({ length: count }, (_, i) => [nick, text(i), (sec + i * 60) * 1000 + 123 + i] as Seed);
}

/** A time of a day, in seconds. */
const at = (day: string, hours = 9) => dayStart(day) + hours * 3600;

/** Decodes the character references the server writes (HTMLRewriter gives text raw). */
function decode(s: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", larr: "\u2190", rarr: "\u2192" };
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === "#") return String.fromCodePoint(ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : Number(ref.slice(1)));
    return named[ref] ?? whole;
  });
}

interface Link {
  href: string;
  attrs: Record<string, string>;
  text: string;
}

/** A cell of the month calendar: a day of the month (text its number) or padding (no text). */
interface CalendarCell {
  attrs: Record<string, string>;
  text: string;
  /** The attributes of its link, if it is one. */
  link: Record<string, string> | null;
  /** aria-current of the cell or anything in it. */
  current: string | null;
}

interface ArchivePage {
  status: number;
  headers: Headers;
  body: string;
  /** The <title> text, decoded. */
  title: string;
  /** Every element, attributes raw. */
  elements: { tag: string; attrs: Record<string, string> }[];
  /** The whole text, decoded. */
  text: string;
  entryIds: string[];
  /** The markup of the entries, exactly as sent. */
  entriesMarkup: string;
  dayLinks: Link[];
  monthLinks: Link[];
  /** The weekday headings of the month calendar. */
  weekdays: string[];
  /** The calendar's rows (weeks), each a list of cells. */
  weeks: CalendarCell[][];
}

/** Reads a page with the runtime's HTML parser. */
async function readPage(response: Response): Promise<ArchivePage> {
  const body = await response.text();
  let title = "";
  const entryIds: string[] = [];
  const dayLinks: Link[] = [];
  const monthLinks: Link[] = [];
  const weekdays: string[] = [];
  const weeks: CalendarCell[][] = [];
  const cell = () => weeks.at(-1)!.at(-1)!;
  const collect = (into: Link[]) => ({
    element(el: Element) {
      into.push({ href: el.getAttribute("href") ?? "", attrs: Object.fromEntries(el.attributes), text: "" });
    },
    text(chunk: Text) {
      into.at(-1)!.text += chunk.text;
    },
  });
  await new HTMLRewriter()
    .on("title", { text: (chunk) => void (title += chunk.text) })
    .on("div.entry", { element: (el) => void entryIds.push(el.getAttribute("id") ?? "") })
    .on("nav.day-nav a", collect(dayLinks))
    .on("nav.month-panel .month-nav a", collect(monthLinks))
    .on("nav.month-panel table thead th", {
      element: () => void weekdays.push(""),
      text: (chunk) => void (weekdays[weekdays.length - 1] += chunk.text),
    })
    .on("nav.month-panel table tbody tr", { element: () => void weeks.push([]) })
    .on("nav.month-panel table tbody td", {
      element: (el) => void weeks.at(-1)!.push({ attrs: Object.fromEntries(el.attributes), text: "", link: null, current: el.getAttribute("aria-current") }),
      text: (chunk) => void (cell().text += chunk.text),
    })
    .on("nav.month-panel table tbody td *", {
      element: (el) => {
        if (el.tagName === "a") cell().link = Object.fromEntries(el.attributes);
        cell().current ??= el.getAttribute("aria-current");
      },
    })
    .transform(new Response(body, { headers: { "Content-Type": "text/html" } }))
    .text();
  const { elements, text } = await parseHtml(body);
  const open = '<main class="archive-entries" id="entries">';
  const start = body.indexOf(open);
  const entriesMarkup = start < 0 ? "" : body.slice(start + open.length, body.indexOf("</main>", start));
  for (const link of [...dayLinks, ...monthLinks]) link.text = decode(link.text).trim();
  for (const c of weeks.flat()) c.text = decode(c.text).trim();
  return {
    status: response.status,
    headers: response.headers,
    body,
    title: decode(title),
    elements,
    text: decode(text),
    entryIds,
    entriesMarkup,
    dayLinks,
    monthLinks,
    weekdays: weekdays.map((w) => decode(w).trim()),
    weeks,
  };
}

/** The absolute URL a link of a room page goes to. */
const resolve = (room: ArchiveRoom, href: string) => new URL(href, `${ORIGIN}/${room.name}/a/2000/01/01`).href;
const dayUrl = (room: ArchiveRoom, day: string) => `${ORIGIN}/${room.name}/a/${day}`;
const roomUrl = (room: ArchiveRoom) => `${ORIGIN}/${room.name}/`;

function maxAge(cacheControl: string | null): number | null {
  const match = /(?:^|,)\s*max-age=(\d+)/i.exec(cacheControl ?? "");
  return match ? Number(match[1]) : null;
}

/**
 * Cache-Control of a day served from R2: public, kept until the next archiver
 * run (just after the next UTC midnight), which may change the days around it.
 */
function expectLongLived(headers: Headers) {
  const cacheControl = headers.get("Cache-Control");
  expect(cacheControl).toMatch(/(^|,)\s*public\s*(,|$)/i);
  const untilNextRun = Math.ceil((nextRunAt(Date.now()) - Date.now()) / 1000);
  expect(maxAge(cacheControl)).toBeGreaterThanOrEqual(Math.min(60, untilNextRun));
  expect(maxAge(cacheControl)).toBeLessThanOrEqual(Math.max(60, untilNextRun));
  expect(cacheControl).not.toMatch(/no-cache|no-store|private/i);
}

function expectNoCache(headers: Headers) {
  expect(headers.get("Cache-Control")).toMatch(/(^|,)\s*no-cache\s*(,|$)/i);
}

/** The previous and next day links of the day navigation. */
function dayNav(room: ArchiveRoom, page: ArchivePage) {
  const rel = (r: string) => page.dayLinks.filter((l) => l.attrs["rel"] === r).map((l) => resolve(room, l.href));
  return { previous: rel("prev"), next: rel("next") };
}

function monthNav(_room: ArchiveRoom, page: ArchivePage) {
  const rel = (r: string) => page.monthLinks.filter((l) => l.attrs["rel"] === r);
  return { previous: rel("prev"), next: rel("next") };
}

const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** What the calendar says of a day with entries, to screen readers and on hover: "12 May 2026: 34 entries". */
function countLabel(day: string, count: number): string {
  const [y, m, d] = day.split("/").map(Number) as [number, number, number];
  return `${d} ${MONTH_NAMES[m - 1]} ${y}: ${count} ${count === 1 ? "entry" : "entries"}`;
}

/** The calendar's cells of the days of the month, first to last, each with its day. */
function calendarDays(page: ArchivePage, month: string): (CalendarCell & { day: string })[] {
  return page.weeks
    .flat()
    .filter((c) => c.text !== "")
    .map((c) => ({ ...c, day: `${month}/${c.text.padStart(2, "0")}` }));
}

/** The days the calendar links, with where to and what their label and title say. */
function calendarLinks(room: ArchiveRoom, page: ArchivePage, month: string) {
  return calendarDays(page, month)
    .filter((c) => c.link !== null)
    .map((c) => ({ url: resolve(room, c.link!["href"] ?? ""), label: c.link!["aria-label"], title: c.link!["title"] }));
}

/** The level-N class of a cell, or null. */
function levelOf(c: CalendarCell): number | null {
  const levels = (c.attrs["class"] ?? "").split(/\s+/).filter((k) => /^level-\d+$/.test(k));
  expect(levels.length, c.text).toBeLessThanOrEqual(1);
  return levels.length === 0 ? null : Number(levels[0]!.slice("level-".length));
}

/**
 * The month of `day` as a calendar: weeks from Monday with weekday headings,
 * one cell per day of the month, each day with entries (`counts`) a link to
 * its page labelled with its count and shaded by it, the others plain.
 */
function expectCalendar(room: ArchiveRoom, page: ArchivePage, day: string, counts: ReadonlyMap<string, number>) {
  const month = day.slice(0, 7);
  const [y, m] = month.split("/").map(Number) as [number, number];
  const length = new Date(Date.UTC(y, m, 0)).getUTCDate();
  expect(page.weekdays).toEqual(["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]);
  for (const week of page.weeks) expect(week, month).toHaveLength(7);
  const cells = page.weeks.flat();
  const days = calendarDays(page, month);
  expect(
    days.map((c) => c.text),
    month,
  ).toEqual(Array.from({ length }, (_, i) => String(i + 1)));
  // The 1st in its weekday's column, and no week of padding only.
  expect(cells.findIndex((c) => c.text === "1")).toBe((new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7);
  expect(page.weeks.every((week) => week.some((c) => c.text !== ""))).toBe(true);
  for (const c of days) {
    const count = counts.get(c.day);
    if (count === undefined) {
      expect(c.link, c.day).toBeNull();
      expect(levelOf(c), c.day).toBeNull();
    } else {
      expect(resolve(room, c.link?.["href"] ?? ""), c.day).toBe(dayUrl(room, c.day));
      expect(c.link?.["aria-label"], c.day).toBe(countLabel(c.day, count));
      expect(c.link?.["title"], c.day).toBe(countLabel(c.day, count));
      expect(levelOf(c), c.day).toBeGreaterThanOrEqual(1);
      expect(levelOf(c), c.day).toBeLessThanOrEqual(4);
    }
  }
  // The shade grows with the count, the busiest day darkest.
  const shaded = days.filter((c) => counts.has(c.day)).sort((a, b) => counts.get(a.day)! - counts.get(b.day)!);
  for (const [i, c] of shaded.entries()) {
    if (i > 0) expect(levelOf(c)!, c.day).toBeGreaterThanOrEqual(levelOf(shaded[i - 1]!)!);
  }
  if (shaded.length > 0) expect(levelOf(shaded.at(-1)!)).toBe(4);
}

/** The shown day is marked in the month calendar (aria-current="date", class current), and only it. */
function expectCurrentMarked(page: ArchivePage, day: string) {
  const days = calendarDays(page, day.slice(0, 7));
  expect(days.map((c) => c.day)).toContain(day);
  for (const c of days) {
    const isCurrent = c.day === day;
    expect(c.attrs["class"]?.split(/\s+/).includes("current") ?? false, c.day).toBe(isCurrent);
    expect(c.current, c.day).toBe(isCurrent ? "date" : null);
  }
  expect(page.weeks.flat().filter((c) => c.current !== null)).toHaveLength(1);
}

function expectLinkToRoom(room: ArchiveRoom, page: ArchivePage) {
  const links = page.elements.filter((e) => e.tag === "a" && e.attrs["href"] !== undefined);
  expect(links.map((a) => resolve(room, a.attrs["href"]!))).toContain(roomUrl(room));
}

describe("an archived day's page", () => {
  it("should show the day from R2 with the live view's markup, entry ids entry-<sec hex>-<usec hex>, and a long-lived Cache-Control", async () => {
    const room = await archiveRoom("archive0");
    const day = dayOf(daysAgo(3));
    // 35 entries: more than the log keeps, so the first ones live only in R2 after the run.
    // Nicks alternate in runs so that the grouping of headers shows in the markup.
    const seeds: Seed[] = Array.from({ length: 35 }, (_, i) => [
      i % 7 < 4 ? "alice" : "bob",
      i === 3 ? "two\nlines https://example.com/x?a=1&b=2" : `message #${i} <b>not bold</b>`,
      (at(day, 10) + i * 30) * 1000 + 7 + i,
    ]);
    const posted = await room.add(seeds);

    // What the live view (comet, HTML content) shows for these entries.
    const { cid } = (await (await room.get("comet?s=0")).json()) as { cid: number };
    const live = (await (await room.get(`comet?p=0&c=${cid}`)).json()) as { content: string };
    expect(live.content).toContain('class="entry"');

    await room.archive();
    const archived = decodeDay(await (await env.ARCHIVE.get(`${room.name}/${day}`))!.text());
    expect(archived).toEqual(posted);
    expect((await room.log()).length).toBe(30); // the first 5 entries are in R2 only

    const res = await room.get(`a/${day}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    expectLongLived(res.headers);
    const page = await readPage(res);

    expect(page.entriesMarkup).toBe(live.content);
    expect(page.entryIds).toEqual(posted.map(entryAnchor));
    expect(calendarLinks(room, page, day.slice(0, 7))).toEqual([{ url: dayUrl(room, day), label: countLabel(day, 35), title: countLabel(day, 35) }]);
    const first = posted[0]!;
    expect(page.entryIds[0]).toBe(`entry-${first.sec.toString(16)}-${first.usec.toString(16)}`);
    for (const id of page.entryIds) expect(id).toMatch(/^entry-[0-9a-f]+-[0-9a-f]{2,}$/);
    // Each entry's permalink is its own anchor on this very page.
    const permalinks = page.elements.filter((e) => e.attrs["class"] === "permalink").map((e) => resolve(room, e.attrs["href"]!));
    expect(permalinks).toEqual(page.entryIds.map((id) => `${dayUrl(room, day)}#${id}`));
  });

  it("should be titled '<room title> > Archives > YYYY/MM/DD' and link back to the room", async () => {
    const room = await archiveRoom("archive1");
    const day = dayOf(daysAgo(2));
    await room.add(entriesAt(at(day), 2));
    await room.archive();
    const page = await readPage(await room.get(`a/${day}`));
    expect(page.status).toBe(200);
    expect(page.title).toBe(`Archive 1 > Archives > ${day}`);
    expectLinkToRoom(room, page);
    expect(page.dayLinks.filter((l) => resolve(room, l.href) === roomUrl(room)).length).toBeGreaterThan(0);
  });

  it("should escape the room title in the page title", async () => {
    // The strict room is titled "Strict <Room>"; today's page needs no archive run.
    const stub = env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID()));
    const today = dayOf(Math.floor(Date.now() / 1000));
    const res = await stub.fetch(`${ORIGIN}/strict/a/${today}`);
    expect(res.status).toBe(200);
    const page = await readPage(res);
    expect(page.title).toBe(`Strict <Room> > Archives > ${today}`);
    expect(page.elements.some((e) => e.tag === "room")).toBe(false);
  });
});

describe("the archive navigation", () => {
  // Days with entries, with gaps of several days, across month boundaries and
  // with a month (2025/03) that has none.
  const DAYS: [day: string, count: number][] = [
    ["2025/01/06", 2],
    ["2025/01/20", 3],
    ["2025/01/29", 1],
    ["2025/02/04", 4],
    ["2025/02/18", 2],
    ["2025/04/02", 1],
  ];

  async function navigationRoom() {
    const room = await archiveRoom("archive2");
    await room.add(DAYS.flatMap(([day, count]) => entriesAt(at(day), count)));
    await room.archive();
    for (const [day, count] of DAYS) expect((await env.ARCHIVE.head(`${room.name}/${day}`))?.customMetadata?.["count"]).toBe(String(count));
    return room;
  }

  it("should link each day to the nearest earlier and later days that have entries, across months, and show the month's days with their counts", async () => {
    const room = await navigationRoom();
    for (const [i, [day, count]] of DAYS.entries()) {
      const res = await room.get(`a/${day}`);
      expect(res.status, day).toBe(200);
      expectLongLived(res.headers);
      const page = await readPage(res);
      expect(page.entryIds, day).toHaveLength(count);

      const nav = dayNav(room, page);
      expect(nav.previous, `previous of ${day}`).toEqual(i > 0 ? [dayUrl(room, DAYS[i - 1]![0])] : []);
      expect(nav.next, `next of ${day}`).toEqual(i < DAYS.length - 1 ? [dayUrl(room, DAYS[i + 1]![0])] : []);

      const month = day.slice(0, 7);
      const ofMonth = DAYS.filter(([d]) => d.startsWith(month));
      expect(calendarLinks(room, page, month), day).toEqual(
        ofMonth.map(([d, n]) => ({ url: dayUrl(room, d), label: countLabel(d, n), title: countLabel(d, n) })),
      );
      expectCalendar(room, page, day, new Map(ofMonth));
      expectCurrentMarked(page, day);
    }
  });

  it("should link to the previous and next months that have entries, and not past the first or last", async () => {
    const room = await navigationRoom();
    const monthOfLink = async (day: string) => {
      const nav = monthNav(room, await readPage(await room.get(`a/${day}`)));
      const month = (links: Link[]) => {
        expect(links.length).toBeLessThanOrEqual(1);
        if (links.length === 0) return null;
        const target = resolve(room, links[0]!.href);
        // The link goes to a day of that month that has entries, and says which month.
        const targetDay = target.slice(`${ORIGIN}/${room.name}/a/`.length);
        expect(DAYS.map(([d]) => d)).toContain(targetDay);
        expect(links[0]!.text).toContain(targetDay.slice(0, 7));
        return targetDay.slice(0, 7);
      };
      return { previous: month(nav.previous), next: month(nav.next) };
    };
    expect(await monthOfLink("2025/01/20")).toEqual({ previous: null, next: "2025/02" });
    expect(await monthOfLink("2025/02/18")).toEqual({ previous: "2025/01", next: "2025/04" });
    expect(await monthOfLink("2025/04/02")).toEqual({ previous: "2025/02", next: null });
  });

  it("should show a valid day without entries as 200 'No entries', with the nearest days and its month around it", async () => {
    const room = await navigationRoom();
    const res = await room.get("a/2025/01/25");
    expect(res.status).toBe(200);
    const page = await readPage(res);
    expect(page.entryIds).toEqual([]);
    expect(page.text).toMatch(/No entries/i);
    expect(dayNav(room, page)).toEqual({ previous: [dayUrl(room, "2025/01/20")], next: [dayUrl(room, "2025/01/29")] });
    expect(calendarLinks(room, page, "2025/01").map((l) => l.label)).toEqual([
      countLabel("2025/01/06", 2),
      countLabel("2025/01/20", 3),
      countLabel("2025/01/29", 1),
    ]);
    // The shown day is marked, though not a link.
    expectCurrentMarked(page, "2025/01/25");
    // A month with no entries at all still offers its neighbours.
    const march = await readPage(await room.get("a/2025/03/15"));
    expect(march.status).toBe(200);
    expect(calendarLinks(room, march, "2025/03")).toEqual([]);
    expectCalendar(room, march, "2025/03/15", new Map());
    expectCurrentMarked(march, "2025/03/15");
    expect(dayNav(room, march)).toEqual({ previous: [dayUrl(room, "2025/02/18")], next: [dayUrl(room, "2025/04/02")] });
  });
});

describe("the month calendar", () => {
  // September 2024 begins on a Sunday and has 30 days: six weeks, the first nearly all padding.
  const SEPTEMBER: [day: string, count: number][] = [
    ["2024/09/01", 1],
    ["2024/09/10", 3],
    ["2024/09/18", 5],
    ["2024/09/30", 8],
  ];

  it("should have one cell per day, link the days with entries with their counts and a shade that grows with them, and mark the shown day", async () => {
    const room = await archiveRoom("archive2");
    await room.add(SEPTEMBER.flatMap(([day, count]) => entriesAt(at(day), count)));
    await room.archive();
    const counts = new Map(SEPTEMBER);
    for (const day of ["2024/09/18", "2024/09/01", "2024/09/15"]) {
      const page = await readPage(await room.get(`a/${day}`));
      expect(page.status, day).toBe(200);
      expect(page.weeks.flat(), day).toHaveLength(42);
      expect(
        page.weeks
          .flat()
          .slice(0, 7)
          .map((c) => c.text),
      ).toEqual(["", "", "", "", "", "", "1"]);
      expectCalendar(room, page, day, counts);
      expectCurrentMarked(page, day);
      // Four counts, four shades, from the lightest to the darkest.
      expect(SEPTEMBER.map(([d]) => levelOf(calendarDays(page, "2024/09").find((c) => c.day === d)!))).toEqual([1, 2, 3, 4]);
      expect(calendarLinks(room, page, "2024/09").map((l) => l.label)).toEqual([
        "1 September 2024: 1 entry",
        "10 September 2024: 3 entries",
        "18 September 2024: 5 entries",
        "30 September 2024: 8 entries",
      ]);
    }
    // The shown day without entries is marked but is no link; one with entries is a link that says so.
    const quiet = calendarDays(await readPage(await room.get("a/2024/09/15")), "2024/09").find((c) => c.day === "2024/09/15")!;
    expect(quiet.link).toBeNull();
    expect(quiet.current).toBe("date");
    const busy = calendarDays(await readPage(await room.get("a/2024/09/18")), "2024/09").find((c) => c.day === "2024/09/18")!;
    expect(busy.link?.["aria-current"]).toBe("date");
  });
});

describe("a day not archived yet", () => {
  it("should be served from the current log, past day and today alike, with no-cache until it is archived", async () => {
    const room = await archiveRoom("archive3");
    const past = dayOf(daysAgo(2));
    const today = dayOf(todayStart());
    const pastEntries = await room.add(entriesAt(at(past), 3, "carol"));
    const todayEntries = await room.add(entriesAt(todayStart(), 2, "dave"));

    // No archiver run yet: both days come from the log.
    const pastRes = await room.get(`a/${past}`);
    expect(pastRes.status).toBe(200);
    expectNoCache(pastRes.headers);
    const pastPage = await readPage(pastRes);
    expect(pastPage.entryIds).toEqual(pastEntries.map(entryAnchor));
    expect(calendarDays(pastPage, past.slice(0, 7)).find((c) => c.day === past)?.link?.["aria-label"]).toBe(countLabel(past, 3));
    expectCurrentMarked(pastPage, past);
    expect(dayNav(room, pastPage).next).toEqual([dayUrl(room, today)]);

    const todayRes = await room.get(`a/${today}`);
    expect(todayRes.status).toBe(200);
    expectNoCache(todayRes.headers);
    const todayPage = await readPage(todayRes);
    expect(todayPage.entryIds).toEqual(todayEntries.map(entryAnchor));
    expect(calendarDays(todayPage, today.slice(0, 7)).find((c) => c.day === today)?.link?.["aria-label"]).toBe(countLabel(today, 2));
    expect(dayNav(room, todayPage)).toEqual({ previous: [dayUrl(room, past)], next: [] });

    // After the run the past day comes from R2, the same entries; today still from the log.
    await room.archive();
    const archivedRes = await room.get(`a/${past}`);
    expectLongLived(archivedRes.headers);
    const archivedPage = await readPage(archivedRes);
    expect(archivedPage.entryIds).toEqual(pastEntries.map(entryAnchor));
    expect(archivedPage.entriesMarkup).toBe(pastPage.entriesMarkup);
    const todayAgain = await room.get(`a/${today}`);
    expectNoCache(todayAgain.headers);
    expect((await readPage(todayAgain)).entryIds).toEqual(todayEntries.map(entryAnchor));
  });
});

describe("a/today and a/yesterday", () => {
  it("should redirect with 302 to the dated page", async () => {
    const room = await archiveRoom("archive4");
    for (const [path, back] of [
      ["a/today", 0],
      ["a/yesterday", 1],
    ] as const) {
      const res = await room.get(path);
      expect(res.status, path).toBe(302);
      const location = new URL(res.headers.get("Location")!, `${ORIGIN}/${room.name}/${path}`).href;
      expect(location, path).toBe(dayUrl(room, dayOf(Math.floor(Date.now() / 1000) - back * DAY_SECONDS)));
      const target = await room.stub.fetch(location);
      expect(target.status, path).toBe(200);
      await target.body?.cancel();
    }
  });
});

describe("an archive path that names no day", () => {
  const JUNK = [
    "a/2026/02/30",
    "a/2026/13/01",
    "a/2026/00/10",
    "a/2026/01/00",
    "a/2026/1/01",
    "a/20261/01/01",
    "a/abcd/ef/gh",
    "a/1969/12/31",
    "a/0000/01/01",
    "a/2026/01",
    "a/2026",
    "a/2026/01/01/extra",
    "a/",
    "a",
    "a/tomorrow",
    "a/../x",
    "a/..%2F..%2Fx",
    "a/2026/01/01%2F..%2F..",
    "a/%00/%00/%00",
    "a/+2026/01/01",
    "a/2026/01/1e",
    "a/%EF%BC%92026/01/01",
    "a/%/01/01",
    "a/2026/01/%ZZ",
    "a/2026/%E0%A4%A/01",
    "a/%C0%AF/01/01",
  ];

  async function expectNotFoundPage(room: ArchiveRoom, path: string, res: Response) {
    expect(res.status, path).toBe(404);
    expect(res.headers.get("Content-Type"), path).toMatch(/^text\/html/);
    expectLinkToRoom(room, await readPage(res));
  }

  it("should answer a 404 HTML page with a link to the room, never a 5xx", async () => {
    const room = await archiveRoom("archive5");
    await room.add(entriesAt(daysAgo(1), 2));
    for (const path of JUNK) await expectNotFoundPage(room, path, await room.get(path));
  });

  it("should answer the same through the Worker", async () => {
    const room = await archiveRoom("archive5");
    for (const path of JUNK) await expectNotFoundPage(room, path, await send(`/${room.name}/${path}`));
  });

  it("should answer a 404 HTML page for a/../../x, which URL parsing resolves out of the room", async () => {
    // new URL() resolves the dot segments before any code sees the path: /x.
    const res = await send("/archive5/a/../../x");
    expect(res.status).toBe(404);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const page = await readPage(res);
    expect(page.elements.some((e) => e.tag === "a" && e.attrs["href"] !== undefined)).toBe(true);
  });
});

describe("hostile entries on an archive page", () => {
  const HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)"];

  /** No element or attribute that could run script; every nick and text shown as text. */
  async function expectInert(res: Response, label: string) {
    expect(res.status, label).toBe(200);
    const page = await readPage(res);
    expect(page.entryIds, label).toHaveLength(HOSTILE.length * 2);
    const tags = page.elements.map((e) => e.tag);
    for (const tag of ["img", "iframe", "object", "embed", "svg"]) expect(tags, label).not.toContain(tag);
    // The one script is the layout's own (the theme script in the head, inline).
    expect(
      page.elements.filter((e) => e.tag === "script"),
      label,
    ).toEqual([{ tag: "script", attrs: {} }]);
    for (const element of page.elements) {
      for (const [name, value] of Object.entries(element.attrs)) {
        expect(name, `${label}: <${element.tag} ${name}>`).not.toMatch(/^on/i);
        expect(decode(value).trim(), `${label}: <${element.tag} ${name}>`).not.toMatch(/^javascript:/i);
      }
    }
    for (const s of HOSTILE) expect(page.text, label).toContain(s);
    expect(page.body, label).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  }

  it("should show hostile nicks and texts as text, from the current log and from R2", async () => {
    const room = await archiveRoom("archive6");
    const past = dayOf(daysAgo(2));
    const today = dayOf(todayStart());
    const hostileAt = (sec: number) =>
      HOSTILE.flatMap((s, i): Seed[] => [
        [s, HOSTILE[(i + 1) % HOSTILE.length]!, (sec + i * 600) * 1000 + 1],
        [`nick${i}`, s, (sec + i * 600 + 300) * 1000 + 2],
      ]);
    await room.add(hostileAt(at(past)));
    await room.add(hostileAt(todayStart()));

    await expectInert(await room.get(`a/${past}`), "past day from the log");
    await expectInert(await room.get(`a/${today}`), "today from the log");
    await room.archive();
    const fromR2 = await room.get(`a/${past}`);
    expectLongLived(fromR2.headers);
    await expectInert(fromR2, "past day from R2");
  });
});

describe("a day with many entries", () => {
  it("should render a day of 5,000 entries", async () => {
    const room = await archiveRoom("archive7");
    const day = dayOf(daysAgo(1));
    // One every 10 s: 5,000 entries fill 50,000 s of the day.
    await room.add(Array.from({ length: 5000 }, (_, i): Seed => ["busy", `entry ${i}`, (dayStart(day) + i * 10) * 1000 + 1]));
    await room.archive();
    expect((await env.ARCHIVE.head(`${room.name}/${day}`))?.customMetadata?.["count"]).toBe("5000");
    const res = await room.get(`a/${day}`);
    expect(res.status).toBe(200);
    const page = await readPage(res);
    expect(page.entryIds).toHaveLength(5000);
    expect(new Set(page.entryIds).size).toBe(5000);
    expect(calendarDays(page, day.slice(0, 7)).find((c) => c.day === day)?.link?.["aria-label"]).toBe(countLabel(day, 5000));
  });
});
