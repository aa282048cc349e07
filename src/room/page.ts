import { renderEntries } from "../render/entries";
import { html } from "../render/html";
import { htmlResponse, layout } from "../render/pages";
import type { RoomContext } from "./context";

/** GET /<room>/: the room's title, description, current log and post form. */
export function roomPage(room: RoomContext): Response {
  const { config } = room;
  const entries = renderEntries(room.log.all(), null, { roomUrl: `/${config.name}/`, imageMaxPx: config.imageMaxPx });
  const body = html`<header class="room-header">
<img class="room-icon" src="${config.icon}" alt="" width="48" height="48">
<h1 class="room-title">${config.title}</h1>
<p class="room-description">${config.description}</p>
<nav class="room-links"><a href="var/status.js">Status</a></nav>
</header>
<main id="view" class="view" data-pos="${room.log.end}">${entries}</main>
<form class="post-form" method="post" action="post">
<label>Nickname <input name="nick" maxlength="64" required></label>
<label>Text <textarea name="text" rows="2" required></textarea></label>
<button type="submit">Post</button>
</form>`;
  return htmlResponse(layout(config.title, body), 200, { "Cache-Control": "no-cache" });
}
