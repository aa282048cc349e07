import type { RoomConfig } from "../config";
import { monthOf } from "../protocol/day";
import type { Entry } from "../protocol/entry";
import { renderEntries } from "./entries";
import { html, type SafeHtml } from "./html";
import { feedLink, layout } from "./pages";
import { searchBox } from "./search";

export interface DayLink {
  day: string;
  count: number;
}

export interface ArchiveDayView {
  room: RoomConfig;
  day: string;
  entries: readonly Entry[];
  /** The nearest earlier and later days that have entries. */
  previousDay: string | null;
  nextDay: string | null;
  /** Days of the shown month that have entries. */
  monthDays: readonly DayLink[];
  /** A day with entries in the nearest earlier and later months that have any. */
  previousMonthDay: string | null;
  nextMonthDay: string | null;
}

/** The link to a day's page from another archive page. */
const dayHref = (room: RoomConfig, day: string) => `/${room.name}/a/${day}`;

function monthPanel(view: ArchiveDayView): SafeHtml {
  const { room, day } = view;
  const items = view.monthDays.map(
    (link) =>
      html`<li${link.day === day ? html` class="current" aria-current="page"` : null}><a href="${dayHref(room, link.day)}">${link.day}</a> (${link.count})</li>`,
  );
  return html`<nav class="month-panel" aria-label="Days of ${monthOf(day)}">
<h2>${monthOf(day)}</h2>
<p class="month-nav">${view.previousMonthDay ? html`<a rel="prev" href="${dayHref(room, view.previousMonthDay)}">&larr; ${monthOf(view.previousMonthDay)}</a>` : null}
${view.nextMonthDay ? html`<a rel="next" href="${dayHref(room, view.nextMonthDay)}">${monthOf(view.nextMonthDay)} &rarr;</a>` : null}</p>
<ul class="month-days">${items}</ul>
</nav>`;
}

/** The archive page of one day: its entries, the days around it, and its month. */
export function archiveDayPage(view: ArchiveDayView): SafeHtml {
  const { room, day } = view;
  const title = `${room.title} > Archives > ${day}`;
  const entries =
    view.entries.length === 0
      ? html`<p class="no-entries">No entries on this day.</p>`
      : renderEntries(view.entries, null, { roomUrl: `/${room.name}/`, imageMaxPx: room.imageMaxPx });
  const body = html`<div class="archive">
<header class="archive-header">
<h1 class="breadcrumbs"><a href="/${room.name}/">${room.title}</a> &gt; Archives &gt; ${day}</h1>
<nav class="day-nav" aria-label="Days">
${view.previousDay ? html`<a class="previous-day" rel="prev" href="${dayHref(room, view.previousDay)}">&larr; ${view.previousDay}</a>` : null}
<a class="back-to-room" href="/${room.name}/">Back to the room</a>
${view.nextDay ? html`<a class="next-day" rel="next" href="${dayHref(room, view.nextDay)}">${view.nextDay} &rarr;</a>` : null}
</nav>
${searchBox(room.name)}
</header>
<div class="archive-body">
<main class="archive-entries" id="entries">${entries}</main>
${monthPanel(view)}
</div>
</div>`;
  return layout(title, body, { head: feedLink(room) });
}
