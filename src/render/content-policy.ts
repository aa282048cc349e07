import { THEME_SCRIPT_HASH } from "../generated/theme-script";
import { EMBED_ORIGINS } from "./text";

/**
 * Who may frame a page: only this site ("self"), anyone ("any": the badge
 * page, made to be shown elsewhere), or this site and the listed origins (a
 * room page, for the sites allowed to embed it).
 */
export type Framing = { kind: "self" } | { kind: "any" } | { kind: "origins"; origins: readonly string[] };

/**
 * The Content-Security-Policy of every page: scripts only from this site and
 * the theme script inlined in each head (by its hash, made at build time);
 * frames only from the video players texts embed; images from anywhere (texts
 * show images from any site, inline styles size them); connections (the
 * WebSocket, comet, posts) and forms only to this site; no plugins, no <base>.
 */
function contentSecurityPolicy(framing: Framing): string {
  const ancestors = framing.kind === "any" ? "*" : framing.kind === "self" ? "'self'" : ["'self'", ...framing.origins].join(" ");
  return [
    "default-src 'self'",
    `script-src 'self' '${THEME_SCRIPT_HASH}'`,
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src * data:",
    `frame-src ${EMBED_ORIGINS.join(" ")}`,
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${ancestors}`,
  ].join("; ");
}

/** Headers every response carries: no content sniffing; other sites see only our origin as the Referer, never a page's path (the embedded players need that much). */
export const BASE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
};

/** The headers of an HTML page framed as `framing` says. */
export function pageSecurityHeaders(framing: Framing): Record<string, string> {
  const headers: Record<string, string> = { ...BASE_SECURITY_HEADERS, "Content-Security-Policy": contentSecurityPolicy(framing) };
  // For browsers older than frame-ancestors; it knows no list of origins.
  if (framing.kind === "self") headers["X-Frame-Options"] = "SAMEORIGIN";
  return headers;
}
