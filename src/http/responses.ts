import { JSON_TYPE, SEXPR_TYPE } from "../protocol/content-types";
import { BASE_SECURITY_HEADERS } from "../render/content-policy";

export const NO_CACHE = { "Cache-Control": "no-cache" };

/**
 * A reply that is not a page, not cached unless `headers` says otherwise,
 * made with the security headers every response leaves with, so that the
 * Worker passes it on without a copy (src/worker/security-headers.ts).
 */
export function dataResponse(body: string, type: string, headers: Record<string, string> = {}, status = 200): Response {
  return new Response(body, { status, headers: { ...NO_CACHE, ...BASE_SECURITY_HEADERS, "Content-Type": type, ...headers } });
}

/** A compact JSON reply. */
export function jsonResponse(value: unknown, headers: Record<string, string> = {}, status = 200): Response {
  return dataResponse(JSON.stringify(value), JSON_TYPE, headers, status);
}

/** An S-expression reply (written by src/protocol/sexpr.ts). */
export function sexprResponse(text: string, headers: Record<string, string> = {}): Response {
  return dataResponse(text, SEXPR_TYPE, headers);
}
