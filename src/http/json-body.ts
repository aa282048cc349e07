import { HttpError } from "./errors";
import { readBody } from "./form";
import { parseMediaType } from "./media-type";
import { decodeUtf8, requireUtf8 } from "./utf8";

/** The request's media type (`type/subtype`, lower-cased) and its charset; null without a readable Content-Type. */
export function mediaTypeOf(request: Request): { type: string; charset: string | undefined } | null {
  const header = request.headers.get("Content-Type");
  const media = header === null ? null : parseMediaType(header);
  return media === null ? null : { type: media.type, charset: media.params.get("charset") };
}

/** A JSON body (application/json, UTF-8) of at most `max` bytes: 415 for another type, 413 when larger, 400 when not JSON. */
export async function readJson(request: Request, max: number): Promise<unknown> {
  const media = mediaTypeOf(request);
  if (media?.type !== "application/json") throw new HttpError(415, "Expected application/json");
  requireUtf8(media.charset, "The body");
  const text = decodeUtf8(await readBody(request, max), "The body");
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "The body is not JSON");
  }
}
