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

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** The shade of a day, 1 to 4, by its count relative to the month's busiest day. */
function dayLevel(count: number, busiest: number): number {
  return Math.min(4, Math.max(1, Math.ceil((4 * count) / Math.max(1, busiest))));
}

/** The calendar of the shown month: weeks from Monday, each day with entries a link shaded by its count. */
function monthCalendar(view: ArchiveDayView): SafeHtml {
  const { room, day } = view;
  const month = monthOf(day);
  const [y, m] = month.split("/").map(Number) as [number, number];
  const length = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lead = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7;
  const counts = new Map(view.monthDays.map((link) => [link.day, link.count]));
  const busiest = Math.max(0, ...counts.values());
  const cells: SafeHtml[] = Array.from({ length: lead }, () => html`<td></td>`);
  for (let d = 1; d <= length; d++) {
    const date = `${month}/${String(d).padStart(2, "0")}`;
    const count = counts.get(date);
    const current = date === day ? html` aria-current="date"` : null;
    if (count === undefined) {
      cells.push(html`<td class="day${date === day ? " current" : ""}">${current ? html`<span${current}>${d}</span>` : d}</td>`);
      continue;
    }
    const label = `${d} ${MONTHS[m - 1]} ${y}: ${count} ${count === 1 ? "entry" : "entries"}`;
    cells.push(
      html`<td class="day level-${dayLevel(count, busiest)}${date === day ? " current" : ""}"><a href="${dayHref(room, date)}" title="${label}" aria-label="${label}"${current}>${d}</a></td>`,
    );
  }
  while (cells.length % 7 !== 0) cells.push(html`<td></td>`);
  const weeks = Array.from({ length: cells.length / 7 }, (_, w) => html`<tr>${cells.slice(w * 7, w * 7 + 7)}</tr>`);
  return html`<table class="month-calendar">
<caption class="visually-hidden">${MONTHS[m - 1]} ${y}</caption>
<thead><tr>${WEEKDAYS.map((name) => html`<th scope="col"><abbr title="${name}">${name.slice(0, 2)}</abbr></th>`)}</tr></thead>
<tbody>${weeks}</tbody>
</table>`;
}

function monthPanel(view: ArchiveDayView): SafeHtml {
  const { room, day } = view;
  return html`<nav class="month-panel" aria-label="Days of ${monthOf(day)}">
<h2>${monthOf(day)}</h2>
<p class="month-nav">${view.previousMonthDay ? html`<a rel="prev" href="${dayHref(room, view.previousMonthDay)}">&larr; ${monthOf(view.previousMonthDay)}</a>` : null}
${view.nextMonthDay ? html`<a rel="next" href="${dayHref(room, view.nextMonthDay)}">${monthOf(view.nextMonthDay)} &rarr;</a>` : null}</p>
${monthCalendar(view)}
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
