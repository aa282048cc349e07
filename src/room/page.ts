import { HttpError } from "../http/errors";
import { renderEntries } from "../render/entries";
import { html } from "../render/html";
import { htmlResponse, layout } from "../render/pages";
import { searchBox } from "../render/search";
import type { RoomContext } from "./context";

/**
 * GET /<room>/: the room page. It shows the current log at once and gives
 * the page's script the position to follow the log from.
 */
export function roomPage(room: RoomContext): Response {
  const { config } = room;
  // The page's script uses a WebSocket, counted apart; a long-poll fallback in a
  // loose room gets its client id from its first comet reply. A strict room
  // only gives ids to its own page, so the page carries one.
  const cid = config.login === "strict" ? room.clients.issue() : 0;
  if (cid === null) throw new HttpError(503, "The room is full; try again shortly", { "Retry-After": "10" });
  const entries = renderEntries(room.log.all(), null, { roomUrl: `/${config.name}/`, imageMaxPx: config.imageMaxPx });
  const body = html`<div class="room" data-room="${config.name}" data-title="${config.title}" data-ver="${room.ver}" data-pos="${room.log.end}" data-cid="${cid}" data-nc="${room.chatters()}" data-hold="${room.holdMs}">
<header class="room-header">
<img class="room-icon" src="${config.icon}" alt="" width="40" height="40">
<div class="room-heading">
<h1 class="room-title">${config.title}</h1>
<p class="room-description">${config.description}</p>
</div>
<nav class="room-links" aria-label="Room">
<a href="a/today">Today's archive</a>
<a href="var/index.rdf">RSS</a>
<a href="badge.html">Badge</a>
${config.private ? html`<a href="password">Password</a>` : null}
${searchBox(config.name)}
</nav>
</header>
<main id="view" class="view" tabindex="0" aria-label="Messages">${entries}</main>
<div id="status" class="status" role="status" aria-live="polite">Connecting...</div>
<form id="post-form" class="post-form" method="post" action="post">
<fieldset>
<legend class="visually-hidden">Post a message</legend>
<div class="post-row">
<label class="nick-label" for="nick">Nickname</label>
<input id="nick" name="nick" autocomplete="nickname" maxlength="64" placeholder="Nickname" required>
<label class="option"><input type="checkbox" id="remember"> Remember me</label>
<label class="option"><input type="checkbox" id="return-posts" checked> Return key posts</label>
</div>
<div class="post-row">
<label class="visually-hidden" for="text">Message</label>
<textarea id="text" name="text" rows="2" maxlength="2048" placeholder="Message (Shift+Return for a new line)" required></textarea>
<button type="submit">Post</button>
</div>
<p id="post-error" class="post-error" role="alert" hidden></p>
</fieldset>
</form>
</div>
<script type="module" src="/chaton.js?v=${room.ver}"></script>`;
  return htmlResponse(layout(config.title, body), 200, { "Cache-Control": "no-store" });
}
