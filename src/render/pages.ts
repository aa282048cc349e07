import { serverVersion, type RoomConfig } from "../config";
import { chatters, timeAgo } from "../protocol/wording";
import type { RoomStatus } from "../protocol/status";
import { THEME_SCRIPT } from "../generated/theme-script";
import { html, raw, type SafeHtml } from "./html";
import { THEME_COLORS } from "./manifest";

/**
 * The dark mode switch, a toggle button (aria-pressed) that the theme script
 * (src/client/theme.ts, inlined in every page's head) wires and keeps true.
 */
export const themeSwitch = html`<button type="button" class="theme-switch" aria-pressed="false" aria-label="Dark mode" title="Dark mode"></button>`;

/** The head link that offers a room's RSS feed to feed readers. */
export function feedLink(room: RoomConfig): SafeHtml {
  return html`<link rel="alternate" type="application/rss+xml" title="${room.title}" href="/${room.name}/var/index.rdf">`;
}

export interface LayoutOptions {
  /** More of the head: links to the feed, the manifest. */
  head?: SafeHtml;
  /** The page shows the theme switch itself (the room page, in its header); others get it at the top. */
  ownThemeSwitch?: boolean;
}

/**
 * Every page's frame. Colours follow prefers-color-scheme, or the reader's
 * choice, which the inlined theme script applies before the first paint (no
 * flash of the other scheme) as data-theme on <html>; chaton.css does the rest.
 */
export function layout(title: string, body: SafeHtml, options: LayoutOptions = {}): SafeHtml {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="theme-color" content="${THEME_COLORS.light}" media="(prefers-color-scheme: light)">
<meta name="theme-color" content="${THEME_COLORS.dark}" media="(prefers-color-scheme: dark)">
<title>${title}</title>
<script>${raw(THEME_SCRIPT)}</script>
<link rel="stylesheet" href="/chaton.css?v=${serverVersion()}">
<link rel="icon" href="/chaton.svg">
${options.head ?? null}
</head>
<body>
${options.ownThemeSwitch ? null : html`<div class="site-bar">${themeSwitch}</div>`}
${body}
</body>
</html>
`;
}

export function htmlResponse(page: SafeHtml, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(page.value, {
    status,
    headers: { "Content-Type": "text/html; charset=utf-8", ...headers },
  });
}

/** The 404 page; it links back to the room when there is one. */
export function notFoundPage(room: RoomConfig | null): Response {
  const back = room ? html`<p><a href="/${room.name}/">Back to ${room.title}</a></p>` : html`<p><a href="/">All rooms</a></p>`;
  return htmlResponse(layout("Not found", html`<main class="error-page"><h1>Not found</h1><p>There is nothing at this address.</p>${back}</main>`), 404, {
    "Cache-Control": "no-cache",
  });
}

export interface RoomSummary {
  room: RoomConfig;
  /** null when the room's status could not be had. */
  status: RoomStatus | null;
}

/** The site's front page: every configured room, with its chatters and its last post. */
export function frontPage(rooms: readonly RoomSummary[], nowSec: number): Response {
  const items = rooms.map(
    ({
      room,
      status,
    }) => html`<li class="room-card"><a href="/${room.name}/"><img class="room-icon" src="${room.icon}" alt="" width="32" height="32"> <span class="room-title">${room.title}</span></a>
<p class="room-description">${room.description}</p>
<p class="room-activity">${room.private ? "Private room" : status ? html`<span class="room-chatters">${chatters(status["num-chatters"])}</span> · <span class="room-updated">${timeAgo(status["last-post"], nowSec)}</span>` : "Status unavailable"}</p></li>`,
  );
  return htmlResponse(layout("Chaton", html`<main><h1>Chaton</h1><ul class="room-list">${items}</ul></main>`), 200, {
    "Cache-Control": "no-cache",
  });
}
