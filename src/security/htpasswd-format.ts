/**
 * The password records an htpasswd file may hold, told apart by their shape.
 * Shared by the import tool (to report what it cannot bring over) and the
 * room (which verifies them on a user's first sign-in).
 */

export type HtpasswdFormat = "apr1" | "md5-crypt" | "bcrypt" | "sha1" | "crypt";

const SHAPES: readonly [HtpasswdFormat, RegExp][] = [
  // Apache's MD5 (htpasswd -m, its default), and the same algorithm under the $1$ of crypt(3).
  ["apr1", /^\$apr1\$[^$]{0,8}\$[./0-9A-Za-z]{22}$/],
  ["md5-crypt", /^\$1\$[^$]{0,8}\$[./0-9A-Za-z]{22}$/],
  // htpasswd -B writes $2y$; other tools $2a$ and $2b$.
  ["bcrypt", /^\$2[aby]\$\d\d\$[./0-9A-Za-z]{53}$/],
  // htpasswd -s: base64 of the password's SHA-1, unsalted.
  ["sha1", /^\{SHA\}[A-Za-z0-9+/]{27}=$/],
  // htpasswd -d: traditional DES crypt(3), two characters of salt and eleven of hash.
  ["crypt", /^[./0-9A-Za-z]{13}$/],
];

/** The format of an htpasswd record's hash, or null for one we cannot verify. */
export function htpasswdFormat(hash: string): HtpasswdFormat | null {
  for (const [format, shape] of SHAPES) if (shape.test(hash)) return format;
  return null;
}
