import { MAX_DRAINED_BYTES, MAX_FORM_BYTES } from "../protocol/limits";
import { HttpError } from "./errors";
import { parseMediaType } from "./media-type";
import { parseMultipart } from "./multipart";
import { decodeUtf8, requireUtf8 } from "./utf8";

/** The Content-Length a request declares, or null when it declares none (or one that is not a number). */
export function declaredLength(request: Request): number | null {
  const declared = request.headers.get("Content-Length");
  return declared !== null && /^\d{1,16}$/.test(declared.trim()) ? Number(declared) : null;
}

/**
 * Reads a body of at most `max` bytes. One declared longer is refused (413)
 * without being touched: the runtime discards it and the client, still
 * sending, reads the 413. One without a length is read up to `max`; past it,
 * the rest is read and dropped before the 413 (up to MAX_DRAINED_BYTES),
 * because a body the runtime saw read part-way and then cancelled ends in a
 * reset connection or a 500 from wrangler dev's proxy, measured under wrangler dev.
 */
export async function readBody(request: Request, max: number): Promise<Uint8Array> {
  const declared = declaredLength(request);
  if (declared !== null && declared > max) throw new HttpError(413, `Body over ${max} bytes`);
  if (request.body === null) return new Uint8Array();
  if (declared !== null) {
    // A declared length within the limit: the runtime holds the body to it, and reads it in one call.
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > max) throw new HttpError(413, `Body over ${max} bytes`);
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await drain(reader, MAX_DRAINED_BYTES);
      throw new HttpError(413, `Body over ${max} bytes`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Reads and drops the rest of a body, up to `limit` bytes; a longer one is cancelled (its connection then closes). */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number): Promise<void> {
  let dropped = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    dropped += value.byteLength;
    if (dropped > limit) {
      await reader.cancel();
      return;
    }
  }
}

const encoder = new TextEncoder();
const HEX = /^[0-9A-Fa-f]{2}$/;

/** Percent-decodes one urlencoded component into bytes, then UTF-8, refusing malformed escapes. */
function decodeComponent(component: string): string {
  const plus = component.replace(/\+/g, " ");
  if (!plus.includes("%")) return plus;
  try {
    // The same result for every well-formed component; the bytes below say what is wrong with the others.
    return decodeURIComponent(plus);
  } catch {
    // Malformed: found and named below.
  }
  const input = encoder.encode(plus);
  const bytes = new Uint8Array(input.length);
  let length = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] === 0x25) {
      const hex = String.fromCharCode(input[i + 1] ?? 0, input[i + 2] ?? 0);
      if (!HEX.test(hex)) throw new HttpError(400, "Malformed percent escape in form");
      bytes[length++] = parseInt(hex, 16);
      i += 2;
    } else {
      bytes[length++] = input[i]!;
    }
  }
  return decodeUtf8(bytes.subarray(0, length), "Form field");
}

function parseUrlEncoded(body: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const pair of body.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? "" : decodeComponent(pair.slice(eq + 1));
    if (!fields.has(name)) fields.set(name, value);
  }
  return fields;
}

/**
 * The fields of a form body, each name's first value: urlencoded, or
 * multipart as browsers, curl, Python and Gauche's rfc.http write it (see
 * multipart.ts). The body must be UTF-8 and at most `max` bytes.
 */
export async function readForm(request: Request, max = MAX_FORM_BYTES): Promise<Map<string, string>> {
  const contentType = request.headers.get("Content-Type");
  if (contentType === null && (request.body === null || request.headers.get("Content-Length") === "0")) return new Map();
  const media = contentType === null ? null : parseMediaType(contentType);
  if (contentType !== null && media === null) throw new HttpError(400, "Malformed Content-Type");
  if (media?.type !== "application/x-www-form-urlencoded" && media?.type !== "multipart/form-data") {
    throw new HttpError(415, "Expected a form (application/x-www-form-urlencoded or multipart/form-data)");
  }
  requireUtf8(media.params.get("charset"), "The form");
  const bytes = await readBody(request, max);
  if (media.type === "multipart/form-data") {
    const boundary = media.params.get("boundary");
    if (boundary === undefined) throw new HttpError(400, "Malformed multipart form: no boundary parameter");
    return parseMultipart(bytes, boundary);
  }
  return parseUrlEncoded(decodeUtf8(bytes, "Body"));
}
