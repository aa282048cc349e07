/** Password hashes for private rooms, and the HTTP basic credentials they are checked against. */
import { sameBytes, toBase64 } from "./bytes";
import { charCount } from "../protocol/entry";
import { MAX_PASSWORD_CHARS, MAX_USER_CHARS, MIN_PASSWORD_CHARS } from "../protocol/limits";

/** A stored password: everything needed to check it again, and nothing that reveals it. Plain JSON. */
export interface PasswordRecord {
  algorithm: "pbkdf2-sha256";
  iterations: number;
  /** base64 */
  salt: string;
  /** base64 */
  hash: string;
}

/**
 * The most Cloudflare's runtime allows: there deriveBits refuses PBKDF2 above
 * 100 000 iterations ("iteration counts above 100000 are not supported",
 * cloudflare/workerd#1346). The open-source workerd behind wrangler dev and
 * the tests enforces no cap, so a higher count would pass every local test
 * and fail every login once deployed. Records above it are refused unread.
 */
export const PBKDF2_ITERATIONS = 100_000;
export const SALT_BYTES = 16;
export const HASH_BYTES = 32;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Padded standard base64 only; anything else is null rather than whatever atob makes of it. */
function fromBase64(text: string): Uint8Array | null {
  if (!BASE64.test(text)) return null;
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  // NFC, so that the same password typed on two keyboards that compose accents differently still matches.
  const secret = new TextEncoder().encode(password.normalize("NFC"));
  const key = await crypto.subtle.importKey("raw", secret, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BYTES * 8);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<PasswordRecord> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return { algorithm: "pbkdf2-sha256", iterations: PBKDF2_ITERATIONS, salt: toBase64(salt), hash: toBase64(hash) };
}

/** Whether the password is the one the record was made from. A record that is not one of ours is false, never an exception. */
export async function verifyPassword(password: string, record: PasswordRecord): Promise<boolean> {
  try {
    if (typeof password !== "string" || typeof record !== "object" || record === null) return false;
    const { algorithm, iterations, salt, hash } = record as Partial<Record<keyof PasswordRecord, unknown>>;
    if (algorithm !== "pbkdf2-sha256") return false;
    if (typeof iterations !== "number" || !Number.isSafeInteger(iterations) || iterations < 1 || iterations > PBKDF2_ITERATIONS) return false;
    if (typeof salt !== "string" || typeof hash !== "string") return false;
    const saltBytes = fromBase64(salt);
    const expected = fromBase64(hash);
    if (saltBytes === null || saltBytes.byteLength === 0 || expected === null || expected.byteLength !== HASH_BYTES) return false;
    return sameBytes(await derive(password, saltBytes, iterations), expected);
  } catch {
    return false;
  }
}

/**
 * The user and password of an `Authorization: Basic …` header (RFC 7617:
 * base64 of UTF-8 "user:password"; the user cannot hold a colon, the
 * password can). Null for anything else, including names and passwords
 * longer than an account can have.
 */
export function parseBasicAuth(header: string | null): { user: string; password: string } | null {
  if (header === null) return null;
  const match = /^Basic +([^ ]*) *$/i.exec(header.trim());
  if (!match) return null;
  const bytes = fromBase64(match[1]!);
  if (bytes === null) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (user === "" || charCount(user) > MAX_USER_CHARS || charCount(password) > MAX_PASSWORD_CHARS) return null;
  return { user, password };
}

/** Why a new password is refused, in words for the change-password page; null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  const chars = charCount(password);
  if (chars < MIN_PASSWORD_CHARS) return `A password needs at least ${MIN_PASSWORD_CHARS} characters.`;
  if (chars > MAX_PASSWORD_CHARS) return `A password can have at most ${MAX_PASSWORD_CHARS} characters.`;
  return null;
}
