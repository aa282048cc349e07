/** Bytes as text, and texts compared without a timing leak: what the secrets, hashes and tokens share. */

export const utf8 = new TextEncoder();

export function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The hex SHA-256 of a text's UTF-8. */
export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", utf8.encode(text)));
}

/** Padded standard base64. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** base64url without padding, for tokens in URLs and secrets. */
export function base64url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Compares without returning early, so the time taken says nothing about where two values differ (only whether their lengths do). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const subtle: { timingSafeEqual?: (a: ArrayBufferView, b: ArrayBufferView) => boolean } = crypto.subtle;
  if (typeof subtle.timingSafeEqual === "function") return subtle.timingSafeEqual(a, b);
  let difference = 0;
  for (let i = 0; i < a.byteLength; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** Two texts compared as sameBytes compares their UTF-8. */
export function sameText(a: string, b: string): boolean {
  return sameBytes(utf8.encode(a), utf8.encode(b));
}
