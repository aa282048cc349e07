import type { RoomConfig } from "../config";
import { permalink, removeControls, type Entry } from "../protocol/entry";
import { renderEntry } from "./entries";
import { cdata, html, type SafeHtml } from "./html";

/** First strong isolate and pop directional isolate: plain text's bidi isolation, where no element can give it. */
const FSI = "\u2068";
const PDI = "\u2069";

/**
 * The first line of "nick: text", control characters (CR and tab too)
 * removed, the nick and the text each isolated, so that a right-to-left
 * override in either cannot turn the rest of the title around.
 */
function itemTitle(entry: Entry): string {
  const line = (s: string) => removeControls(s.split("\n")[0]!).replace(/[\r\t\u007f]/g, "");
  return `${FSI}${line(entry.nick)}${PDI}: ${FSI}${line(entry.text)}${PDI}`;
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
