/** The secrets of webhooks: ids, secret URLs kept as hashes, and the signatures of outgoing bodies. */

const encoder = new TextEncoder();

const hex = (bytes: ArrayBuffer | Uint8Array) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

/** `bytes` random bytes, base64url without padding. */
export function randomToken(bytes: number): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...random))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** A webhook's id: 8 random bytes in hex, public (it is in the URL beside the secret). */
export function hookId(): string {
  return hex(crypto.getRandomValues(new Uint8Array(8)));
}

/** The hex SHA-256 of a secret: all that is kept of an incoming hook's. */
export async function secretHash(secret: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(secret)));
}

/** Whether `given` is the secret whose hash is `storedHash`, compared in constant time. */
export async function secretMatches(given: string, storedHash: string): Promise<boolean> {
  const a = encoder.encode(await secretHash(given));
  const b = encoder.encode(storedHash);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

/** The signature header's value: `sha256=` and the hex HMAC-SHA-256 of the body under the hook's secret. */
export async function signBody(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `sha256=${hex(await crypto.subtle.sign("HMAC", key, encoder.encode(body)))}`;
}
