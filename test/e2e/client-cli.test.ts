/**
 * The `chaton` command against a real wrangler dev: post prints the stored
 * entry's position, watch prints what another client posts, in order, as
 * the original watcher did or as JSON lines, and a watcher stopped and
 * started again with --cursor-file carries on exactly where it stopped.
 * Results are read back through the room's comet replies and RSS feed.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { observeJson, post, type ChatEntry } from "../support/chaton-client";
import { buildClient, chaton, Watcher } from "../support/chaton-cli";
import { startDev, type DevServer } from "../support/wrangler-dev";

/** A room per test; the lobby too, which startDev asks for to know the server is up. */
const ROOMS = ["lobby", "cli-post", "cli-watch", "cli-json", "cli-cursor"].map((name) => ({
  name,
  title: `Room ${name}`,
  description: "",
  icon: "/chaton.svg",
}));

let dev: DevServer;
let scratch: string;
const watchers: Watcher[] = [];

beforeAll(async () => {
  [dev] = await Promise.all([startDev({ vars: { ROOMS: JSON.stringify(ROOMS), COMET_HOLD_SECONDS: "5", STATUS_CACHE_SECONDS: "0" } }), buildClient()]);
  scratch = await mkdtemp(join(tmpdir(), "chaton-cli-e2e-"));
});

afterEach(async () => {
  for (const watcher of watchers.splice(0)) await watcher.stop("SIGKILL");
});

afterAll(async () => {
  await dev?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const roomUrl = (name: string) => `${dev.url}/${name}/`;

function watch(args: string[], env: Record<string, string> = {}): Watcher {
  const watcher = new Watcher(args, env);
  watchers.push(watcher);
  return watcher;
}

/** Another client posts, straight to the poster. */
async function say(room: string, nick: string, text: string): Promise<void> {
  const reply = await post(`${roomUrl(room)}post`, nick, text, undefined, { timeoutMs: 10_000 });
  expect(reply.status).toBe(200);
}

/** The room's entries after `pos`, as a comet client reads them (the log is not empty past pos, so nothing is held). */
async function entriesAfter(room: string, pos: number): Promise<ChatEntry[]> {
  const cometUri = `${roomUrl(room)}comet`;
  const ping = await observeJson(cometUri, null, pos, { timeoutMs: 5_000 });
  return (await observeJson(cometUri, ping.cid, pos, { timeoutMs: 5_000 })).content;
}

interface WatchRecord {
  pos: number | null;
  nick: string;
  time: [number, number];
  text: string;
  permalink: string;
}

describe("chaton post", () => {
  it("should print the position of the stored entry, for text given as words or on standard input", async () => {
    const first = await chaton(["post", roomUrl("cli-post"), "--nick", "poster", "hello", "there"]);
    expect(first.code, first.stderr).toBe(0);
    const pos = Number(first.stdout);
    expect(first.stdout).toBe(`${pos}\n`);
    const second = await chaton(["post", roomUrl("cli-post"), "-n", "poster"], { stdin: "two\nlines\n" });
    expect(second.code, second.stderr).toBe(0);
    expect(Number(second.stdout)).toBe(pos + 1);
    const stored = await entriesAfter("cli-post", pos - 1);
    expect(stored.map((e) => [e.nick, e.text])).toEqual([
      ["poster", "hello there"],
      ["poster", "two\nlines"],
    ]);
  });

  it("should exit 3 with the reason when nothing is left to store, and store nothing", async () => {
    const before = Number(await (await fetch(`${roomUrl("cli-post")}var/seq`)).text());
    const empty = await chaton(["post", roomUrl("cli-post"), "-n", "poster", "\u0001 "]);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toMatch(/not stored/);
    expect(Number(await (await fetch(`${roomUrl("cli-post")}var/seq`)).text())).toBe(before);
  });

  it("should exit 3 for a room that does not exist", async () => {
    const missing = await chaton(["post", `${dev.url}/no-such-room/`, "-n", "poster", "x"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/apilogin/);
  });
});

describe("chaton watch", () => {
  it("should print another client's posts in order, HH:MM [room] nick: text in the local time zone, multi-line texts indented", async () => {
    const watcher = watch([roomUrl("cli-watch")], { TZ: "Asia/Tokyo" });
    await watcher.waitFor(() => /connected to Room cli-watch/.test(watcher.stderr), "connecting");
    const start = Number(await (await fetch(`${roomUrl("cli-watch")}var/seq`)).text());
    const texts = ["first", 'second, with ünïcödé and "quotes"', "a poem\nin two lines", "last"];
    for (const [i, text] of texts.entries()) await say("cli-watch", `nick${i}`, text);
    await watcher.waitFor(() => watcher.lines().length >= 5, "five lines");
    const stored = await entriesAfter("cli-watch", start);
    const clock = new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Tokyo", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    const expected = stored.flatMap((e) => {
      const [head, ...rest] = e.text.split("\n");
      return [`${clock.format(new Date(e.sec * 1000))} [Room cli-watch] ${e.nick}: ${head}`, ...rest.map((line) => `      ${line}`)];
    });
    expect(stored.map((e) => e.text)).toEqual(texts);
    expect(watcher.lines()).toEqual(expected);
    expect(await watcher.stop()).toBe(0);
  });

  it("should print one JSON object per entry with the room's positions and permalinks (--json --since log)", async () => {
    for (let i = 1; i <= 3; i++) await say("cli-json", "early", `before the watcher ${i}`);
    const watcher = watch([roomUrl("cli-json"), "--json", "--since", "log"]);
    await watcher.waitFor(() => watcher.lines().length >= 3, "the log");
    await say("cli-json", "late", "while watching");
    await watcher.waitFor(() => watcher.lines().length >= 4, "the live post");
    const records = watcher.records<WatchRecord>();
    expect(records.map((r) => r.text)).toEqual(["before the watcher 1", "before the watcher 2", "before the watcher 3", "while watching"]);
    expect(records.map((r) => r.pos)).toEqual([1, 2, 3, 4]);
    expect(Object.keys(records[0]!)).toEqual(["pos", "nick", "time", "text", "permalink"]);
    // The permalinks are the room's own: those of its RSS items.
    const rss = new XMLParser({ parseTagValue: false }).parse(await (await fetch(`${roomUrl("cli-json")}var/index.rdf`)).text()) as {
      rss: { channel: { item: { link: string; title: string }[] } };
    };
    const links = rss.rss.channel.item.map((item) => item.link).reverse();
    expect(records.map((r) => r.permalink)).toEqual(links);
    expect(await watcher.stop()).toBe(0);
  });

  it("should resume exactly where it stopped with --cursor-file: no entry lost, none printed twice", async () => {
    const cursorFile = join(scratch, "cursor.json");
    const args = [roomUrl("cli-cursor"), "--json", "--since", "log", "--cursor-file", cursorFile];
    await say("cli-cursor", "a", "one");
    const first = watch(args);
    await first.waitFor(() => first.lines().length >= 1, "the log");
    await say("cli-cursor", "a", "two");
    await say("cli-cursor", "a", "three");
    await first.waitFor(() => first.lines().length >= 3, "three entries");
    expect(await first.stop("SIGTERM")).toBe(0);
    expect(JSON.parse(await readFile(cursorFile, "utf8"))).toEqual({ pos: 3 });

    for (const text of ["four", "five", "six"]) await say("cli-cursor", "b", text);
    // --since log again: the cursor file wins once it exists.
    const second = watch(args);
    await second.waitFor(() => second.lines().length >= 3, "what it missed");
    await say("cli-cursor", "c", "seven");
    await second.waitFor(() => second.lines().length >= 4, "the live post");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const printed = [...first.records<WatchRecord>(), ...second.records<WatchRecord>()];
    expect(printed.map((r) => r.text)).toEqual(["one", "two", "three", "four", "five", "six", "seven"]);
    expect(printed.map((r) => r.pos)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await second.stop()).toBe(0);
    expect(JSON.parse(await readFile(cursorFile, "utf8"))).toEqual({ pos: 7 });
  });
});
