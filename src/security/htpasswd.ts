import bcrypt from "bcryptjs";
import unixCrypt from "unix-crypt-td-js";
import { sameText, toBase64, utf8 } from "./bytes";
import { htpasswdFormat } from "./htpasswd-format";

/**
 * Verifies a password against a record of an Apache htpasswd file, as kept
 * from an original Chaton room until the user's first sign-in. Runs in the
 * Workers runtime: MD5 and SHA-1 from its crypto.subtle, bcrypt from
 * bcryptjs and DES crypt from unix-crypt-td-js (both plain JavaScript).
 */

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

async function md5(parts: readonly Uint8Array[]): Promise<Uint8Array> {
  const length = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const data = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.byteLength;
  }
  return new Uint8Array(await crypto.subtle.digest("MD5", data));
}

function to64(value: number, chars: number): string {
  let out = "";
  for (let i = 0; i < chars; i++) {
    out += ITOA64[value & 0x3f];
    value >>= 6;
  }
  return out;
}

/** Poul-Henning Kamp's MD5-based crypt, which Apache calls apr1 (the magic is all that differs). */
export async function md5Crypt(password: string, salt: string, magic: "$apr1$" | "$1$"): Promise<string> {
  const pw = utf8.encode(password);
  const saltBytes = utf8.encode(salt.slice(0, 8));
  const magicBytes = utf8.encode(magic);
  const alternate = await md5([pw, saltBytes, pw]);
  const parts: Uint8Array[] = [pw, magicBytes, saltBytes];
  for (let left = pw.byteLength; left > 0; left -= 16) parts.push(alternate.subarray(0, Math.min(left, 16)));
  for (let i = pw.byteLength; i > 0; i >>= 1) parts.push(i & 1 ? new Uint8Array(1) : pw.subarray(0, 1));
  let final = await md5(parts);
  for (let i = 0; i < 1000; i++) {
    const round: Uint8Array[] = [i & 1 ? pw : final];
    if (i % 3) round.push(saltBytes);
    if (i % 7) round.push(pw);
    round.push(i & 1 ? final : pw);
    final = await md5(round);
  }
  const f = final;
  const hash =
    to64((f[0]! << 16) | (f[6]! << 8) | f[12]!, 4) +
    to64((f[1]! << 16) | (f[7]! << 8) | f[13]!, 4) +
    to64((f[2]! << 16) | (f[8]! << 8) | f[14]!, 4) +
    to64((f[3]! << 16) | (f[9]! << 8) | f[15]!, 4) +
    to64((f[4]! << 16) | (f[10]! << 8) | f[5]!, 4) +
    to64(f[11]!, 2);
  return `${magic}${salt.slice(0, 8)}$${hash}`;
}

async function sha1Base64(password: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", utf8.encode(password)));
  return toBase64(digest);
}

/** Whether `password` matches an htpasswd hash; false for a format we do not know, never an exception. */
/** A user's record as it came from an original room's htpasswd file, kept until their first sign-in. */
export interface KeptHtpasswdRecord {
  algorithm: "htpasswd";
  hash: string;
}

export function isKeptHtpasswdRecord(record: unknown): record is KeptHtpasswdRecord {
  return (
    typeof record === "object" &&
    record !== null &&
    (record as { algorithm?: unknown }).algorithm === "htpasswd" &&
    typeof (record as { hash?: unknown }).hash === "string"
  );
}

export async function verifyHtpasswd(password: string, hash: string): Promise<boolean> {
  try {
    switch (htpasswdFormat(hash)) {
      case "apr1":
      case "md5-crypt": {
        const [, magic, salt] = /^(\$apr1\$|\$1\$)([^$]*)\$/.exec(hash)!;
        return sameText(await md5Crypt(password, salt!, magic as "$apr1$" | "$1$"), hash);
      }
      case "bcrypt":
        return await bcrypt.compare(password, hash);
      case "sha1":
        return sameText(`{SHA}${await sha1Base64(password)}`, hash);
      case "crypt":
        return sameText(unixCrypt(password, hash.slice(0, 2)), hash);
      case null:
        return false;
    }
  } catch {
    return false;
  }
}
