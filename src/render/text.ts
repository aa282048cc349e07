import { html, type SafeHtml } from "./html";

/** http(s) URLs; what follows a URL's last character of these is plain text. */
const URL_PATTERN = /https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+/g;
const IMAGE_PATH = /\.(?:jpe?g|gif|png)$/i;
const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;
/** The hosts whose players are embedded in texts: the only frames a page may hold (its Content-Security-Policy). */
export const EMBED_ORIGINS = ["https://www.youtube-nocookie.com", "https://embed.nicovideo.jp"] as const;
const NICONICO_WATCH = /^https?:\/\/(?:www\.|sp\.)?nicovideo\.jp\/watch\/((?:sm|nm|so)?\d{1,12})(?:[?#].*)?$/;

function youtubeId(url: URL): string | null {
  const host = url.hostname.replace(/^(?:www\.|m\.)/, "");
  let id: string | null = null;
  if (host === "youtube.com" && url.pathname === "/watch") id = url.searchParams.get("v");
  else if (host === "youtu.be") id = url.pathname.slice(1);
  return id !== null && YOUTUBE_ID.test(id) ? id : null;
}

/** The markup for one URL found in a text: a link, an inline image or a player. */
export function renderUrl(href: string, imageMaxPx: number): SafeHtml {
  let url: URL | null = null;
  try {
    url = new URL(href);
  } catch {
    url = null;
  }
  if (url === null) return html`${href}`;
  const link = (inner: SafeHtml | string) => html`<a href="${href}" rel="nofollow noopener" target="_blank">${inner}</a>`;

  const youtube = youtubeId(url);
  if (youtube !== null) {
    const src = `${EMBED_ORIGINS[0]}/embed/${youtube}`;
    return html`${link(href)}<br><iframe class="embed" src="${src}" width="${Math.min(560, imageMaxPx * 1.4)}" height="${Math.min(315, imageMaxPx * 0.79)}" allow="encrypted-media; picture-in-picture" allowfullscreen loading="lazy"></iframe>`;
  }
  const nico = NICONICO_WATCH.exec(href);
  if (nico !== null) {
    const src = `${EMBED_ORIGINS[1]}/watch/${nico[1]}`;
    return html`${link(href)}<br><iframe class="embed" src="${src}" width="${Math.min(560, imageMaxPx * 1.4)}" height="${Math.min(315, imageMaxPx * 0.79)}" allowfullscreen loading="lazy"></iframe>`;
  }
  if (IMAGE_PATH.test(url.pathname)) {
    const style = `max-width:${imageMaxPx}px;max-height:${imageMaxPx}px`;
    return link(html`<img class="inline-image" src="${href}" alt="${href}" style="${style}" loading="lazy">`);
  }
  return link(href);
}

/** A URL at the end of a sentence keeps its closing punctuation out of the link. */
function withoutTrailingPunctuation(url: string): string {
  let end = url.length;
  while (end > 0) {
    const c = url[end - 1]!;
    if (".,;:!?'".includes(c)) end--;
    else if (c === ")" && !url.slice(0, end).includes("(")) end--;
    else break;
  }
  return url.slice(0, end);
}

/** A text as markup: everything escaped, http(s) URLs made links, images and players. */
export function renderText(text: string, imageMaxPx: number): SafeHtml {
  const parts: SafeHtml[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const href = withoutTrailingPunctuation(match[0]);
    parts.push(html`${text.slice(last, match.index)}`);
    parts.push(renderUrl(href, imageMaxPx));
    last = match.index + href.length;
  }
  parts.push(html`${text.slice(last)}`);
  return html`${parts}`;
}
