import { JSON_TYPE, SEXPR_TYPE } from "../protocol/content-types";

export const NO_CACHE = { "Cache-Control": "no-cache" };

/** A compact JSON reply, not cached unless `headers` says otherwise. */
export function jsonResponse(value: unknown, headers: Record<string, string> = {}, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { ...NO_CACHE, "Content-Type": JSON_TYPE, ...headers } });
}

/** An S-expression reply (written by src/protocol/sexpr.ts), not cached unless `headers` says otherwise. */
export function sexprResponse(text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, { headers: { ...NO_CACHE, "Content-Type": SEXPR_TYPE, ...headers } });
}
