import type { RoomConfig } from "../../config";
import { dayOf } from "../../protocol/day";
import { MAX_NICK_CHARS, MAX_TEXT_CHARS } from "../../protocol/limits";
import { renderEntries } from "../../render/entries";
import { html } from "../../render/html";
import { feedLink, htmlResponse, layout, themeSwitch } from "../../render/pages";
import { searchBox } from "../../render/search";
import { issueCid, type CidIssuer } from "../live/clients";
import type { CurrentLog } from "../storage/current-log";

export interface PageRoom extends CidIssuer {
  config: RoomConfig;
  ver: string;
  /** How long a comet request is held, for the page's long-poll fallback. */
  holdMs: number;
  log: Pick<CurrentLog, "all" | "end">;
}

/**
 * GET /<room>/: the room page. It shows the current log at once and gives
 * the page's script the position to follow the log from.
 */
export function roomPage(room: PageRoom, ip: string): Response {
  const { config } = room;
  // The page's script uses a WebSocket, counted apart; a long-poll fallback in a
  // loose room gets its client id from its first comet reply. A strict room
  // only gives ids to its own page, so the page carries one, within the
  // address's allowance of new ones as apilogin's and comet's are.
  const cid = config.login === "strict" ? issueCid(room, ip) : 0;
  const log = room.log.all();
  const entries = renderEntries(log, null, { roomUrl: `/${config.name}/`, imageMaxPx: config.imageMaxPx });
  // The archive of the day shown: the newest entry's (the script follows new entries).
  const last = log.at(-1);
  const archiveHref = last ? `a/${dayOf(last.sec)}` : "a/today";
  const body = html`<div class="room" data-room="${config.name}" data-title="${config.title}" data-ver="${room.ver}" data-pos="${room.log.end}" data-cid="${cid}" data-nc="${room.clients.count()}" data-hold="${room.holdMs}">
<header class="room-header">
<img class="room-icon" src="${config.icon}" alt="" width="40" height="40">
<div class="room-heading">
<h1 class="room-title">${config.title}</h1>
<p class="room-description">${config.description}</p>
</div>
<nav class="room-links" aria-label="Room">
<a id="day-archive" href="${archiveHref}">Archive</a>
<a href="var/index.rdf">RSS</a>
<a href="badge.html">Badge</a>
${config.private ? html`<a href="password">Password</a>` : null}
${searchBox(config.name)}
</nav>
<div class="room-tools">
<details class="settings">
<summary aria-label="Settings" title="Settings"><svg viewBox="0 0 16 16" width="18" height="18" aria-hidden="true"><path d="M6.6 1h2.8l.4 2 1.3.7 1.9-.8 1.4 2.4-1.5 1.4v1.5l1.5 1.3-1.4 2.5-1.9-.8-1.3.7-.4 2.1H6.6l-.4-2.1-1.3-.7-1.9.8-1.4-2.5 1.5-1.3V6.7L1.6 5.3 3 2.9l1.9.8 1.3-.7zM8 5.6a2.4 2.4 0 1 0 0 4.8 2.4 2.4 0 0 0 0-4.8z" fill="currentColor"/></svg></summary>
<div class="settings-panel">
<p><label for="watch-words">Highlight my nickname and these words (comma-separated):</label><br>
<input id="watch-words" autocomplete="off" maxlength="200"></p>
<p><label class="option"><input type="checkbox" id="notify"> Notify me of mentions while the page is hidden</label></p>
<p id="notify-state" class="notify-state" role="status"></p>
</div>
</details>
${themeSwitch}
</div>
</header>
<main class="room-main">
<div class="view-wrap">
<div id="view" class="view" role="log" aria-live="polite" aria-relevant="additions" aria-label="Messages" tabindex="0">${entries}</div>
<button id="jump" class="jump" type="button" hidden>Jump to latest</button>
</div>
<div id="status" class="status" role="status" aria-live="polite">Connecting...</div>
<form id="post-form" class="post-form" method="post" action="post" aria-label="Post a message">
<fieldset>
<legend class="visually-hidden">Post a message</legend>
<div class="post-row">
<label class="nick-label" for="nick">Nickname</label>
<input id="nick" name="nick" autocomplete="nickname" maxlength="${MAX_NICK_CHARS}" placeholder="Nickname" required>
<label class="option"><input type="checkbox" id="remember"> Remember me</label>
<label class="option"><input type="checkbox" id="return-posts" checked> Return key posts</label>
</div>
<div class="post-row">
<label class="visually-hidden" for="text">Message</label>
<textarea id="text" name="text" rows="2" maxlength="${MAX_TEXT_CHARS}" placeholder="Message (Shift+Return for a new line)" required></textarea>
<button type="submit">Post</button>
</div>
<p id="post-error" class="post-error" role="alert" hidden></p>
</fieldset>
</form>
</main>
</div>
<script type="module" src="/chaton.js?v=${room.ver}"></script>`;
  const head = html`<link rel="manifest" href="manifest.webmanifest"${config.private ? html` crossorigin="use-credentials"` : null}>
<link rel="apple-touch-icon" href="/icons/apple-touch-icon.png">
${feedLink(config)}`;
  return htmlResponse(layout(config.title, body, { head, ownThemeSwitch: true }), 200, { "Cache-Control": "no-store" });
}
