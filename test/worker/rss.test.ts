/**
 * var/index.rdf: RSS 2.0 with the content module, one item per entry of the
 * current log, newest first. The feed is parsed with a real XML parser
 * (fast-xml-parser, pure JS, run here inside workerd); a few checks that the
 * parser does not make (characters and entity references XML forbids) are
 * added on the raw text.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { XMLParser, XMLValidator, type EntityDecoderOptions } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { DAY_SECONDS, dayOf, startOfDay } from "../../src/protocol/day";
import { entryAnchor, type Entry } from "../../src/protocol/entry";
import { renderEntry } from "../../src/render/entries";
import { cdata, escapeHtml } from "../../src/render/html";
import type { Room } from "../../src/room/room";
import { parseHtml } from "../support/html";
import { ORIGIN } from "../support/rooms";

/** An item's title: "nick: text" as the original writes it (isolation only where bidi text needs it: see below). */
const plainTitle = (nick: string, text: string) => `${nick}: ${text}`;
/** "nick: text", each isolated (U+2068 ... U+2069) so that neither can reorder the other. */
const isolatedTitle = (nick: string, text: string) => `\u2068${nick}\u2069: \u2068${text}\u2069`;

const CONTENT_NS = "http://purl.org/rss/1.0/modules/content/";
const IP = "192.0.2.1";

interface FeedRoom {
  name: string;
  /** GET var/index.rdf straight from the room, as asked at `origin`. */
  feed(origin?: string): Promise<Response>;
  post(nick: string, text: string): Promise<Response>;
  add(seeds: readonly [nick: string, text: string, ms: number][]): Promise<Entry[]>;
  log(): Promise<Entry[]>;
}

/** A fresh room configured as `name` (lobby: "Chaton Lobby"; strict: "Strict <Room>"). */
async function feedRoom(name: "lobby" | "strict"): Promise<FeedRoom> {
  const stub = env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID()));
  const inside = <R>(fn: (room: Room) => R) => runInDurableObject(stub, (room: Room) => fn(room));
  expect((await stub.fetch(`${ORIGIN}/${name}/var/seq`)).status).toBe(200);
  return {
    name,
    feed: (origin = ORIGIN) => stub.fetch(`${origin}/${name}/var/index.rdf`),
    post: (nick, text) =>
      stub.fetch(`${ORIGIN}/${name}/post`, { method: "POST", body: new URLSearchParams({ nick, text }), headers: { "CF-Connecting-IP": IP } }),
    add: (seeds) => inside((room) => seeds.map(([nick, text, ms]) => room.log.append({ nick, text }, IP, ms))),
    log: () => inside((room) => room.log.all()),
  };
}

interface Item {
  title: string;
  link: string;
  guid: { "#text": string; "@isPermaLink": string };
  description: string;
  "content:encoded": string;
  pubDate: string;
}

interface Feed {
  rss: {
    "@version": string;
    "@xmlns:content": string;
    channel: { title: string; link: string; description: string; item?: Item[] };
  };
}

const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes what XML itself defines: the five predefined entities and character references; nothing else. */
function decodeXmlReferences(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, ref: string) =>
    ref[0] === "#" ? String.fromCodePoint(ref[1] === "x" ? parseInt(ref.slice(2), 16) : Number(ref.slice(1))) : PREDEFINED[ref]!,
  );
}

const xmlReferences: EntityDecoderOptions = {
  decode: decodeXmlReferences,
  setExternalEntities: () => {},
  addInputEntities: () => {},
  reset: () => {},
  setXmlVersion: () => {},
};

/** Values kept exactly, whitespace and all, and as strings; references decoded as XML defines them. */
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  entityDecoder: xmlReferences,
  isArray: (name) => name === "item",
});

/** Characters XML 1.0 does not allow anywhere in a document. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Checks that `xml` is well-formed, then parses it. */
function parseFeed(xml: string): Feed {
  expect(XMLValidator.validate(xml)).toBe(true);
  const bad = NOT_XML_CHAR.exec(xml);
  expect(bad && `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")} at ${bad.index}`, "a character XML forbids").toBeNull();
  // Outside CDATA sections, "&" only starts a predefined entity or a character reference.
  const outsideCdata = xml
    .split("<![CDATA[")
    .map((part, i) => (i === 0 ? part : part.slice(part.indexOf("]]>") + 3)))
    .join("");
  expect(outsideCdata.match(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)[^\s]{0,12}/g)).toBeNull();
  return parser.parse(xml) as Feed;
}

async function readFeed(res: Response): Promise<{ feed: Feed; xml: string }> {
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toMatch(/^application\/rss\+xml(\s*;|$)/);
  const xml = await res.text();
  expect(xml.startsWith("<?xml")).toBe(true);
  return { feed: parseFeed(xml), xml };
}

const itemsOf = (feed: Feed) => feed.rss.channel.item ?? [];
const permalinkOf = (room: FeedRoom, e: Entry, origin = ORIGIN) => `${origin}/${room.name}/a/${dayOf(e.sec)}#${entryAnchor(e)}`;

/** The text of an element's content, with its character references decoded. */
function decodeHtmlText(s: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) =>
    ref[0] === "#" ? String.fromCodePoint(ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : Number(ref.slice(1))) : (named[ref] ?? whole),
  );
}

/** An item's HTML is one entry as rendered: parses, names the entry, shows its text escaped and nothing that runs. */
async function expectEntryHtml(room: FeedRoom, item: Item, entry: Entry, origin = ORIGIN) {
  expect(item["content:encoded"]).toBe(item.description);
  // The entry as the room renders it, on its own (with its header), with absolute links.
  const rendered = renderEntry(entry, null, { roomUrl: `${origin}/${room.name}/`, imageMaxPx: 400 }).value;
  expect(item.description).toBe(rendered.replace(/\r\n?/g, "\n"));
  const { elements, text } = await parseHtml(item.description);
  const entryDiv = elements.find((e) => e.tag === "div" && e.attrs["class"] === "entry");
  expect(entryDiv?.attrs["id"]).toBe(entryAnchor(entry));
  expect(elements.find((e) => e.attrs["class"] === "permalink")?.attrs["href"]).toBe(permalinkOf(room, entry, origin));
  // XML parsing turns CR LF and lone CR into LF (XML 1.0, 2.11), in CDATA too; HTML does the same.
  const shown = entry.text.replace(/\r\n?/g, "\n");
  // A text without URLs is all text: the HTML holds it escaped, as one piece.
  if (!/https?:\/\//.test(entry.text)) expect(item.description).toContain(escapeHtml(shown));
  expect(decodeHtmlText(text)).toContain(shown);
  for (const element of elements) {
    expect(["script", "img", "iframe", "svg"]).not.toContain(element.tag);
    for (const name of Object.keys(element.attrs)) expect(name).not.toMatch(/^on/i);
  }
}

const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|UT|[+-]\d{4})$/;

describe("the RSS feed", () => {
  it("should be RSS 2.0 with the content module, describing the room at the request's origin", async () => {
    const room = await feedRoom("lobby");
    await room.post("alice", "hello");
    const { feed } = await readFeed(await room.feed());
    expect(feed.rss["@version"]).toBe("2.0");
    expect(feed.rss["@xmlns:content"]).toBe(CONTENT_NS);
    expect(feed.rss.channel.title).toBe("Chaton Lobby");
    expect(feed.rss.channel.link).toBe(`${ORIGIN}/lobby/`);
    expect(feed.rss.channel.description).toBe("A place to chat.");

    const other = "https://chat.example.org:8443";
    const { feed: elsewhere } = await readFeed(await room.feed(other));
    expect(elsewhere.rss.channel.link).toBe(`${other}/lobby/`);
    const [entry] = await room.log();
    expect(itemsOf(elsewhere)[0]!.link).toBe(permalinkOf(room, entry!, other));
  });

  it("should escape the room title", async () => {
    const room = await feedRoom("strict");
    const { feed, xml } = await readFeed(await room.feed());
    expect(feed.rss.channel.title).toBe("Strict <Room>");
    expect(feed.rss.channel.description).toBe("Strict login.");
    expect(xml).not.toContain("<Room>");
  });

  it("should have one item per entry of the current log, newest first, each with its title, permalink, HTML and date", async () => {
    const room = await feedRoom("lobby");
    const day = startOfDay(Math.floor(Date.now() / 1000)) - 3 * DAY_SECONDS;
    const entries = await room.add([
      ["alice", "first post", (day + 3600) * 1000 + 123],
      ["bob", "two\nlines here", (day + DAY_SECONDS + 7200) * 1000 + 456],
      ["carol", "see https://example.com/a?b=1&c=2 now", (day + 2 * DAY_SECONDS + 60) * 1000],
      ["carol", "same second", (day + 2 * DAY_SECONDS + 60) * 1000],
    ]);
    const { feed } = await readFeed(await room.feed());
    const items = itemsOf(feed);
    expect(items).toHaveLength(4);
    const newestFirst = [...entries].reverse();
    for (const [i, item] of items.entries()) {
      const entry = newestFirst[i]!;
      expect(item.title).toBe(plainTitle(entry.nick, entry.text.split("\n")[0]!));
      expect(item.link).toBe(permalinkOf(room, entry));
      expect(item.guid["#text"]).toBe(item.link);
      expect(item.guid["@isPermaLink"]).toBe("true");
      expect(item.pubDate).toMatch(RFC822);
      expect(Date.parse(item.pubDate)).toBe(entry.sec * 1000);
      await expectEntryHtml(room, item, entry);
    }
    // The two entries of the same millisecond have different permalinks.
    expect(new Set(items.map((item) => item.guid["#text"])).size).toBe(4);
    expect(items[1]!.link).toMatch(/#entry-[0-9a-f]+-[0-9a-f]{2,}$/);
    expect(items[2]!.title).toBe(plainTitle("bob", "two"));
  });

  it("should give a well-formed feed for hostile nicks and texts, whose parsed title and HTML say exactly what was posted", async () => {
    const room = await feedRoom("lobby");
    const posts: [string, string][] = [
      ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'],
      ['"><img src=x onerror=alert(1)>', "javascript:alert(1)"],
      ["a]]>b", "x ]]> y ]]]]> z <![CDATA[ w"],
      ["</title></item>", "</description></content:encoded><item>&amp; & &lt; 'q' \"d\""],
      ["&nbsp;&copy;", "&#0; &#x1; &#xFFFE; &bogus;"],
    ];
    for (const [nick, text] of posts) expect((await room.post(nick, text)).status).toBe(200);
    const entries = await room.log();
    expect(entries.map((e) => [e.nick, e.text])).toEqual(posts);

    const { feed } = await readFeed(await room.feed());
    const items = itemsOf(feed);
    expect(items).toHaveLength(posts.length);
    for (const [i, item] of items.entries()) {
      const entry = entries[entries.length - 1 - i]!;
      expect(item.title).toBe(plainTitle(entry.nick, entry.text));
      await expectEntryHtml(room, item, entry);
    }
  });

  it("should isolate the nick and the text only where either holds right-to-left letters or bidi controls", async () => {
    const room = await feedRoom("lobby");
    const posts: [string, string, boolean][] = [
      ["plain", "hello, world", false],
      ["café", "naïve 東京 emoji 🎉", false],
      ["\u202Eevil\u202E", "abc", true],
      ["alice", "abc \u202Edef\u202D ghi", true],
      ["דוד", "שלום", true],
      ["bob", "مرحبا everyone", true],
      ["carol", "an isolate \u2066inside\u2069", true],
      ["dave", "a mark \u200F here", true],
    ];
    for (const [nick, text] of posts) expect((await room.post(nick, text)).status).toBe(200);
    const { feed } = await readFeed(await room.feed());
    const titles = itemsOf(feed)
      .map((item) => item.title)
      .reverse();
    expect(titles).toEqual(posts.map(([nick, text, bidi]) => (bidi ? isolatedTitle(nick, text) : plainTitle(nick, text))));
  });

  it("should drop control characters from titles", async () => {
    const room = await feedRoom("lobby");
    // Control characters XML forbids are removed on posting; tab and CR stay in the entry.
    await room.post("tab\tnick", "a\u0001b\u001fc\td\r\nsecond line");
    const [entry] = await room.log();
    expect(entry!.text).toBe("abc\td\r\nsecond line");
    const { feed } = await readFeed(await room.feed());
    const [item] = itemsOf(feed);
    expect(item!.title).toBe(plainTitle("tabnick", "abcd"));
    await expectEntryHtml(room, item!, entry!);
  });

  it("should stay well-formed when a post holds U+FFFE or U+FFFF, which XML allows nowhere", async () => {
    const room = await feedRoom("lobby");
    // Posting removes every character XML forbids, these included; the feed must not carry them raw.
    expect((await room.post("non\uFFFFchar", "x\uFFFEy\uFFFFz")).status).toBe(200);
    const [entry] = await room.log();
    expect(entry!.text).toBe("xyz");
    const { feed } = await readFeed(await room.feed());
    const [item] = itemsOf(feed);
    // Dropped or replaced by U+FFFD: either is fine.
    expect(item!.title.replaceAll("\uFFFD", "")).toBe(plainTitle("nonchar", "xyz"));
    expect(item!.description).toMatch(/x\uFFFD?y\uFFFD?z/);
  });

  it("should split ']]>' across CDATA sections so that the parsed text is what went in", () => {
    // Rendered entries escape '>' so they never hold ']]>'; the splitting is checked on its own.
    for (const text of ["]]>", "a]]>b", "]]]]>", "x]]>]]>y", "<![CDATA[ ]] > ]]", "]]"]) {
      const xml = `<?xml version="1.0"?><d>${cdata(text).value}</d>`;
      expect(XMLValidator.validate(xml), text).toBe(true);
      expect((parser.parse(xml) as { d: string }).d, text).toBe(text);
    }
  });

  it("should be a valid feed with no items for a room with no entries", async () => {
    const room = await feedRoom("lobby");
    const { feed, xml } = await readFeed(await room.feed());
    expect(feed.rss["@version"]).toBe("2.0");
    expect(feed.rss.channel.title).toBe("Chaton Lobby");
    expect(feed.rss.channel.link).toBe(`${ORIGIN}/lobby/`);
    expect(itemsOf(feed)).toEqual([]);
    expect(xml).not.toContain("<item");
  });
});
