/** The secrets of webhooks: ids, secret URLs kept as hashes, and the signatures of outgoing bodies. */

import { base64url, hex, sameText, sha256Hex, utf8 } from "./bytes";

/** `bytes` random bytes, base64url without padding. */
export function randomToken(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A webhook's id: 8 random bytes in hex, public (it is in the URL beside the secret). */
export function hookId(): string {
  return hex(crypto.getRandomValues(new Uint8Array(8)));
}

/** The hex SHA-256 of a secret: all that is kept of an incoming hook's. */
export async function secretHash(secret: string): Promise<string> {
  return sha256Hex(secret);
}

/** Whether `given` is the secret whose hash is `storedHash`, compared in constant time. */
export async function secretMatches(given: string, storedHash: string): Promise<boolean> {
  return sameText(await secretHash(given), storedHash);
}

/** The signature header's value: `sha256=` and the hex HMAC-SHA-256 of the body under the hook's secret. */
export async function signBody(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `sha256=${hex(await crypto.subtle.sign("HMAC", key, utf8.encode(body)))}`;
}
