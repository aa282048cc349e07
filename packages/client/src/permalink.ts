/** Permalinks of entries, as the server makes them: <room-url>a/YYYY/MM/DD#entry-<sec hex>-<usec hex>. */

/** The anchor naming an entry on its day page; the microseconds take at least two hex digits. */
export function entryAnchor(sec: number, usec: number): string {
  return `entry-${sec.toString(16)}-${usec.toString(16).padStart(2, "0")}`;
}

/** The UTC day of a time in seconds, as YYYY/MM/DD. */
export function utcDay(sec: number): string {
  const d = new Date(sec * 1000);
  const mm = String(d.getUTCMonth() + 1).padStart(2, "0");
  const dd = String(d.getUTCDate()).padStart(2, "0");
  return `${String(d.getUTCFullYear()).padStart(4, "0")}/${mm}/${dd}`;
}

/** The permalink of the entry posted at (sec, usec) in the room at `roomUrl` (which ends in "/"). */
export function permalinkOf(roomUrl: string, sec: number, usec: number): string {
  return `${roomUrl}a/${utcDay(sec)}#${entryAnchor(sec, usec)}`;
}

/** The room URL with exactly one trailing slash, so that relative paths resolve below it. */
export function roomBase(roomUrl: string | URL): string {
  const url = new URL(roomUrl);
  url.search = "";
  url.hash = "";
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url.href;
}
