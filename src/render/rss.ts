import type { RoomConfig } from "../config";
import { permalink, removeControls, type Entry } from "../protocol/entry";
import { renderEntry } from "./entries";
import { cdata, html, type SafeHtml } from "./html";

/** First strong isolate and pop directional isolate: plain text's bidi isolation, where no element can give it. */
const FSI = "\u2068";
const PDI = "\u2069";

/**
 * Right-to-left letters (Hebrew, Arabic, Syriac, Thaana, N'Ko and the other
 * scripts of U+0590-U+08FF, their presentation forms, and the right-to-left
 * blocks beyond the BMP) and the bidi controls: what can turn a title around.
 */
const BIDI_SENSITIVE = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;

/**
 * The first line of "nick: text" as the original writes it, control
 * characters (CR and tab too) removed. Where the nick or the text holds
 * right-to-left letters or bidi controls, each is isolated, so that neither
 * can turn the rest of the title around.
 */
function itemTitle(entry: Pick<Entry, "nick" | "text">): string {
  const line = (s: string) => removeControls(s.split("\n")[0]!).replace(/[\r\t\u007f]/g, "");
  const nick = line(entry.nick);
  const text = line(entry.text);
  if (!BIDI_SENSITIVE.test(nick) && !BIDI_SENSITIVE.test(text)) return `${nick}: ${text}`;
  return `${FSI}${nick}${PDI}: ${FSI}${text}${PDI}`;
}

/** RSS 2.0 with the content module: one item per entry, newest first. */
export function rssFeed(room: RoomConfig, roomUrl: string, newestFirst: readonly Entry[]): SafeHtml {
  const options = { roomUrl, imageMaxPx: room.imageMaxPx };
  const items = newestFirst.map((entry) => {
    const link = roomUrl + permalink(entry);
    // Entries stored before the posting rules removed every character XML forbids.
    const content = removeControls(renderEntry(entry, null, options).value);
    return html`<item>
<title>${itemTitle(entry)}</title>
<link>${link}</link>
<guid isPermaLink="true">${link}</guid>
<description>${cdata(content)}</description>
<content:encoded>${cdata(content)}</content:encoded>
<pubDate>${new Date(entry.sec * 1000).toUTCString()}</pubDate>
</item>
`;
  });
  const updated = newestFirst[0] ? html`<lastBuildDate>${new Date(newestFirst[0].sec * 1000).toUTCString()}</lastBuildDate>` : null;
  return html`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
<title>${room.title}</title>
<link>${roomUrl}</link>
<description>${room.description}</description>
${updated}
${items}</channel>
</rss>
`;
}
