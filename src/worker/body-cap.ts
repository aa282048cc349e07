import { HttpError } from "../http/errors";
import { declaredLength, readBody } from "../http/form";
import { logEvent } from "../log";
import { MAX_FORM_BYTES, MAX_IMPORT_BATCH_BYTES, MAX_SEARCH_FILL_BYTES } from "../protocol/limits";

/** The most a request below a room may send: a form, or for the admin API an import batch or a search fill. */
function capFor(rest: string | null): number {
  return rest?.startsWith("admin/") ? Math.max(MAX_IMPORT_BATCH_BYTES, MAX_SEARCH_FILL_BYTES) : MAX_FORM_BYTES;
}

function tooLarge(request: Request, url: URL, cap: number, declared: number | null): HttpError {
  logEvent({ event: "body-too-large", method: request.method, path: url.pathname.slice(0, 200), declared, cap });
  return new HttpError(413, `Body over ${cap} bytes`);
}

/**
 * 413 before anything else (the sign-in of a private room included) when the
 * body's Content-Length is over what its path may take. The body is left
 * untouched: the runtime then discards it, and the client reads the 413.
 */
export function refuseDeclaredOversize(request: Request, url: URL, rest: string | null): void {
  const declared = declaredLength(request);
  const cap = capFor(rest);
  if (declared !== null && declared > cap) throw tooLarge(request, url, cap, declared);
}

/**
 * The request to forward to the room, with its body read here, at most
 * MAX_FORM_BYTES (every body the room reads is a form): one without a length
 * that runs over is refused with 413 here, read to its end (see readBody),
 * and the room only ever receives a whole body of known length. A room
 * answering before it has read a streamed body is what broke the connection.
 */
export async function withBodyRead(request: Request, url: URL): Promise<Request> {
  if (request.body === null || request.method === "GET" || request.method === "HEAD") return request;
  // A declared length was checked against the cap already: the room gets the body as it comes.
  if (declaredLength(request) !== null) return request;
  try {
    return new Request(request, { body: await readBody(request, MAX_FORM_BYTES) });
  } catch (error) {
    if (error instanceof HttpError && error.status === 413) throw tooLarge(request, url, MAX_FORM_BYTES, declaredLength(request));
    throw error;
  }
}
