import { clientAddress } from "../http/client-address";
import { HttpError } from "../http/errors";
import { logEvent } from "../log";

/** Methods that change nothing, so another site's page may cause them (the response is the browser's to withhold). */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses what a page on another site makes a signed-in browser do here (a
 * post, a password change, a delete, an admin form, a WebSocket that would
 * read a private room): a request that changes something, or a WebSocket
 * handshake, whose `Origin` names another origin, or, when it has none, whose
 * `Sec-Fetch-Site` says cross-site or same-site. Origins in `allowed` (sites
 * that embed a room) count as ours. Clients that send neither header (Gauche,
 * curl, bots) are not browsers acting for someone else, and pass.
 *
 * Returns the 403 to answer with, or null.
 */
export function crossSiteRefusal(request: Request, url: URL, allowed: readonly string[]): HttpError | null {
  const socket = request.headers.get("Upgrade")?.toLowerCase() === "websocket";
  if (SAFE_METHODS.has(request.method) && !socket) return null;
  const origin = request.headers.get("Origin")?.trim() ?? null;
  const fetchSite = request.headers.get("Sec-Fetch-Site")?.trim().toLowerCase() ?? null;
  if (origin !== null ? origin === url.origin || allowed.includes(origin) : fetchSite !== "cross-site" && fetchSite !== "same-site") return null;
  logEvent({
    event: "cross-site-refused",
    ip: clientAddress(request),
    method: request.method,
    path: url.pathname.slice(0, 200),
    origin: origin?.slice(0, 200) ?? null,
    fetchSite,
  });
  return new HttpError(
    403,
    socket
      ? "Refused: a page on another site may not open this room's WebSocket"
      : "Refused: a page on another site may not post, delete or change anything here",
  );
}
