/** The endpoints that hold requests, take posts or hand out client ids: no crawler has business there. */
const CLOSED_PATHS = ["comet", "ws", "post", "apilogin", "admin/"];

/** The site's own admin API (the room directory's). */
const SITE_ADMIN_PATH = "/_admin/";

/**
 * robots.txt: keeps crawlers off every room's comet, socket, poster, API
 * login and admin paths (the original's comet port answered `Disallow: /`),
 * and off the site's admin API. Each room is named, for crawlers that do not
 * read wildcards, and the wildcard lines cover rooms opened later.
 */
export function robotsTxt(roomNames: readonly string[]): string {
  const lines = ["User-agent: *", `Disallow: ${SITE_ADMIN_PATH}`];
  for (const path of CLOSED_PATHS) lines.push(`Disallow: /*/${path}`);
  for (const room of roomNames) for (const path of CLOSED_PATHS) lines.push(`Disallow: /${room}/${path}`);
  return `${lines.join("\n")}\n`;
}
