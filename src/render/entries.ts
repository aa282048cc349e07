import { GROUPING_SECONDS } from "../protocol/limits";
import { entryAnchor, permalink, type Entry } from "../protocol/entry";
import { html, type SafeHtml } from "./html";
import { renderText } from "./text";

export interface RenderOptions {
  /** The room's URL (absolute, or a path ending in "/"); permalinks are made from it. */
  roomUrl: string;
  /** Inline images are shrunk to fit this many pixels. */
  imageMaxPx: number;
}

/** Whether `entry` continues the group of `previous`: same chatter, same address, soon after. */
function continuesGroup(previous: Entry | null | undefined, entry: Entry): boolean {
  return previous != null && previous.nick === entry.nick && previous.ip === entry.ip && entry.sec - previous.sec < GROUPING_SECONDS;
}

function isoTime(entry: Entry): string {
  return new Date(entry.sec * 1000 + Math.floor(entry.usec / 1000)).toISOString();
}

export function renderEntry(entry: Entry, previous: Entry | null | undefined, options: RenderOptions): SafeHtml {
  const iso = isoTime(entry);
  const header = continuesGroup(previous, entry)
    ? null
    : html`<div class="entry-header"><time class="timestamp" datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC</time> <span class="chatter" dir="auto">${entry.nick}</span></div>`;
  const text = renderText(entry.text, options.imageMaxPx);
  // dir="auto" isolates what a person typed (HTML gives such elements unicode-bidi: isolate), so a
  // right-to-left override in a nick or a text ends with it instead of turning the rest of the line around.
  const body = entry.text.includes("\n") ? html`<pre class="entry-text" dir="auto">${text}</pre>` : html`<span class="entry-text" dir="auto">${text}</span>`;
  const anchor = entryAnchor(entry);
  return html`<div class="entry" id="${anchor}" data-seq="${entry.seq}">${header}<div class="entry-body"><a class="permalink" href="${options.roomUrl + permalink(entry)}" title="Permalink">#</a>${body}</div></div>`;
}

/** What a page is sent when an entry is deleted: it removes the element with this id. */
export function deletionMarker(anchor: string): SafeHtml {
  return html`<template class="deleted" data-anchor="${anchor}"></template>`;
}

/**
 * Entries as markup, in order. `previous` is the entry just before the first
 * one, so that grouping continues across separately rendered batches.
 */
export function renderEntries(entries: readonly Entry[], previous: Entry | null | undefined, options: RenderOptions): SafeHtml {
  const parts: SafeHtml[] = [];
  let before = previous;
  for (const entry of entries) {
    parts.push(renderEntry(entry, before, options));
    before = entry;
  }
  return html`${parts}`;
}
