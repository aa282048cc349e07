import type { RoomConfig } from "../config";
import { chatters, timeAgo } from "../protocol/wording";
import type { RoomStatus } from "../protocol/status";
import { html, scriptJson, type SafeHtml } from "./html";
import { layout } from "./pages";

export interface BadgeData {
  url: string;
  icon: string;
  title: string;
  ago: string;
  chatters: string;
}

export function badgeData(room: RoomConfig, status: RoomStatus, origin: string, nowSec: number): BadgeData {
  return {
    url: new URL(`/${room.name}/`, origin).href,
    icon: new URL(room.icon, origin).href,
    title: room.title,
    ago: timeAgo(status["last-post"], nowSec),
    chatters: chatters(status["num-chatters"]),
  };
}

/**
 * The badge script other sites include with <script src=".../b">. It builds
 * the box with DOM calls and textContent, so no room setting is ever parsed
 * as markup, and the settings reach it as one escaped JSON literal.
 */
export function badgeScript(data: BadgeData): string {
  return `(function () {
  var d = ${scriptJson(data)};
  var script = document.currentScript;
  var box = document.createElement("div");
  box.className = "chaton-badge";
  box.style.cssText = "display:inline-block;font:13px/1.4 sans-serif;border:1px solid #ccc;border-radius:4px;padding:4px 8px;background:#fff;color:#333";
  var link = document.createElement("a");
  link.href = d.url;
  link.className = "chaton-badge-room";
  link.style.cssText = "display:flex;align-items:center;gap:6px;font-weight:bold;color:#2f5f94;text-decoration:none";
  var icon = document.createElement("img");
  icon.src = d.icon;
  icon.alt = "";
  icon.width = 16;
  icon.height = 16;
  link.appendChild(icon);
  link.appendChild(document.createTextNode(d.title));
  box.appendChild(link);
  var ago = document.createElement("div");
  ago.className = "chaton-badge-updated";
  ago.textContent = d.ago;
  box.appendChild(ago);
  var count = document.createElement("div");
  count.className = "chaton-badge-chatters";
  count.textContent = d.chatters;
  box.appendChild(count);
  if (script && script.parentNode) script.parentNode.insertBefore(box, script.nextSibling);
  else document.body.appendChild(box);
})();
`;
}

/** badge.html: the badge as other sites will show it, and the snippet to copy. */
export function badgePage(room: RoomConfig, origin: string): SafeHtml {
  const src = new URL(`/${room.name}/b`, origin).href;
  const snippet = `<script src="${src}"></script>`;
  return layout(
    `${room.title} > Badge`,
    html`<main class="badge-page">
<p class="breadcrumbs"><a href="/${room.name}/">${room.title}</a> &gt; Badge</p>
<h1>Badge</h1>
<p>Show the room's latest activity on your site:</p>
<div class="badge-preview"><script src="b"></script></div>
<p><label for="badge-snippet">Copy this into your page:</label></p>
<textarea id="badge-snippet" class="badge-snippet" readonly rows="2" cols="70">${snippet}</textarea>
</main>`,
  );
}
