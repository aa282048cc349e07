import { siteConfig } from "../config";
import { BASE_SECURITY_HEADERS, pageSecurityHeaders, type Framing } from "../render/content-policy";

const SELF: Framing = { kind: "self" };
const ANY: Framing = { kind: "any" };
/** `/<room>/` (the room page) or `/<room>/badge.html`, read off the URL as it came. */
const FRAMED_PAGE = /^[a-z][a-z0-9+.-]*:\/\/[^/]+\/[^/?#]+\/(badge\.html)?(?:[?#]|$)/i;

/**
 * Who may frame the page at `url`: anyone the badge page (other sites show
 * the badge), the sites in ALLOWED_ORIGINS a room page, only this site the rest.
 */
export function framingOf(url: string, env: Env): Framing {
  const page = FRAMED_PAGE.exec(url);
  if (page === null) return SELF;
  if (page[1] !== undefined) return ANY;
  try {
    const origins = siteConfig(env).allowedOrigins;
    return origins.length === 0 ? SELF : { kind: "origins", origins };
  } catch {
    return SELF;
  }
}

/**
 * Every response leaves with nosniff and a Referrer-Policy; pages (text/html)
 * also with their Content-Security-Policy and the framing rule `framing` gives. The one place
 * these are set. A WebSocket upgrade passes untouched.
 */
export function withSecurityHeaders(response: Response, framing: () => Framing): Response {
  if (response.webSocket !== null || response.status === 101) return response;
  const type = response.headers.get("Content-Type") ?? "";
  const page = type.startsWith("text/html");
  // Replies made with these already (comet replies, JSON and S-expression answers: src/http/responses.ts): no copy.
  if (!page && madeSecure(response)) return response;
  // Only pages need their framing worked out.
  const headers = page ? pageSecurityHeaders(framing()) : BASE_SECURITY_HEADERS;
  // Responses from the room's stub have immutable headers: a copy of the response (not of its body) takes them.
  const secured = new Response(response.body, response);
  for (const [name, value] of Object.entries(headers)) secured.headers.set(name, value);
  return secured;
}

/** Whether a response other than a page was made with the base headers (src/http/responses.ts). */
function madeSecure(response: Response): boolean {
  for (const [name, value] of Object.entries(BASE_SECURITY_HEADERS)) if (response.headers.get(name) !== value) return false;
  return true;
}
