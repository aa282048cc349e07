import { HttpError } from "./errors";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 bytes as a string; invalid bytes are a 400 naming `what`. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new HttpError(400, `${what} is not valid UTF-8`);
  }
}

/** Only UTF-8 (and its subset US-ASCII) is read; another declared charset is a 415. */
export function requireUtf8(charset: string | undefined, what: string): void {
  if (charset === undefined) return;
  const name = charset.toLowerCase();
  if (name !== "utf-8" && name !== "utf8" && name !== "us-ascii") throw new HttpError(415, `${what} must be UTF-8, not ${charset}`);
}
