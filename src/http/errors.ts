import { TEXT_TYPE } from "../protocol/content-types";
import { logEvent } from "../log";

/** An error that carries the status and short reason its response gives. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason);
  }
}

/** 405 for a method the path does not take; `allow` lists those it does ("GET, POST"). */
export function methodNotAllowed(allow: string): HttpError {
  return new HttpError(405, `Method not allowed; use ${allow}`, { Allow: allow });
}

/** 429 with the seconds to wait, in the reason and in Retry-After: "`what`; try again in N s". */
export function tooManyRequests(what: string, seconds: number): HttpError {
  return new HttpError(429, `${what}; try again in ${seconds} s`, { "Retry-After": String(seconds) });
}

/** The one place errors become responses: a known error says its reason; anything else is a plain 500. */
export function errorResponse(error: unknown): Response {
  if (error instanceof HttpError) {
    return new Response(`${error.reason}\n`, {
      status: error.status,
      headers: { "Content-Type": TEXT_TYPE, "Cache-Control": "no-cache", ...error.headers },
    });
  }
  logEvent({ event: "unhandled-error", error: String(error), stack: error instanceof Error ? error.stack : undefined });
  return new Response("Internal error\n", {
    status: 500,
    headers: { "Content-Type": TEXT_TYPE, "Cache-Control": "no-cache" },
  });
}
