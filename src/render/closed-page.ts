import type { RoomConfig } from "../config";
import { html } from "./html";
import { htmlResponse, layout } from "./pages";

/**
 * 410 Gone: the room was closed. Its archives stay readable, so the page
 * links to its last day with entries (the day pages lead to every other).
 */
export function closedPage(room: RoomConfig, lastDay: string | null, closedAt: number): Response {
  const when = new Date(closedAt).toISOString().slice(0, 10);
  const archives =
    lastDay === null ? html`<p>It has no archives.</p>` : html`<p><a href="/${room.name}/a/${lastDay}">Read its archives</a> (its last day: ${lastDay}).</p>`;
  const body = html`<main class="error-page"><h1>${room.title} is closed</h1><p>This room was closed on ${when}. Nothing can be posted here any more.</p>${archives}<p><a href="/">All rooms</a></p></main>`;
  return htmlResponse(layout(`${room.title} (closed)`, body), 410, { "Cache-Control": "no-cache" });
}
