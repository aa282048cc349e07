/**
 * The htpasswd formats an original room's users may have, verified inside the
 * Workers runtime. Known answers made with Apache's htpasswd 2.4 (apache2-utils),
 * `openssl passwd -apr1` / `-1`, and Python's crypt module.
 */
import { describe, expect, it } from "vitest";
import { htpasswdFormat } from "../../src/security/htpasswd-format";
import { md5Crypt, verifyHtpasswd } from "../../src/security/htpasswd";

const KNOWN: { how: string; hash: string; password: string; format: string }[] = [
  { how: "htpasswd -bm", hash: "$apr1$2lG5sWKX$CzYx2Nrf4Jy7S.8e8ReqF1", password: "apr password", format: "apr1" },
  { how: "htpasswd -bm, UTF-8", hash: "$apr1$7Ytxsa.L$4AWO0N0LYQUu0/P5CYDYz1", password: "pässwörd 日本", format: "apr1" },
  { how: "openssl passwd -apr1 -salt abcdefgh", hash: "$apr1$abcdefgh$NriZ3KceyQFy368Ufp8U./", password: "pass word", format: "apr1" },
  { how: "openssl passwd -apr1 -salt a", hash: "$apr1$a$drFGR/9p/sjZ9/qPTUuIf/", password: "a", format: "apr1" },
  { how: "openssl passwd -apr1 -salt ''", hash: "$apr1$$jYtXyIcDHukcQfHjblNhq/", password: "x", format: "apr1" },
  { how: "openssl passwd -1 -salt saltsalt", hash: "$1$saltsalt$o0XqEAEvoW3Z4QVblWNHY.", password: "md5 crypt", format: "md5-crypt" },
  { how: "htpasswd -bB -C 5", hash: "$2y$05$ZY02kTat5hotsSr3IdL6neS/fVSA1J3erNENhAKxA9K5mHWA1HOGm", password: "bcrypt pw", format: "bcrypt" },
  { how: "the same, as $2b$", hash: "$2b$05$ZY02kTat5hotsSr3IdL6neS/fVSA1J3erNENhAKxA9K5mHWA1HOGm", password: "bcrypt pw", format: "bcrypt" },
  { how: "OpenBSD's test vector, $2a$", hash: "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", password: "U*U", format: "bcrypt" },
  { how: "htpasswd -bs", hash: "{SHA}sSgq+8ocT8XjRYLUEw6RNbVInQs=", password: "sha password", format: "sha1" },
  { how: "htpasswd -bd", hash: "P/1Yql0QvpJJo", password: "cryptpw", format: "crypt" },
  { how: "python3 crypt.crypt('test', 'ab')", hash: "abgOeLfPimXQo", password: "test", format: "crypt" },
  { how: "crypt cuts at 8 characters", hash: "Zzc2EWwA3wFyU", password: "longerpassword", format: "crypt" },
  { how: "crypt of the empty password", hash: "./Una9Fi.seRo", password: "", format: "crypt" },
];

describe("htpasswd records", () => {
  it.each(KNOWN)("should accept the right password for $how", async ({ hash, password, format }) => {
    expect(htpasswdFormat(hash)).toBe(format);
    expect(await verifyHtpasswd(password, hash)).toBe(true);
  });

  it.each(KNOWN)("should refuse a wrong password for $how", async ({ hash, password }) => {
    expect(await verifyHtpasswd(`!${password}`, hash)).toBe(false);
    expect(await verifyHtpasswd(password.toUpperCase() === password ? `${password}x` : password.toUpperCase(), hash)).toBe(false);
  });

  it("should make apr1 hashes with MD5 from the runtime's crypto.subtle", async () => {
    expect(await md5Crypt("apr password", "2lG5sWKX", "$apr1$")).toBe("$apr1$2lG5sWKX$CzYx2Nrf4Jy7S.8e8ReqF1");
    const digest = new Uint8Array(await crypto.subtle.digest("MD5", new TextEncoder().encode("")));
    expect(Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")).toBe("d41d8cd98f00b204e9800998ecf8427e");
  });

  it("should know no other format, and verify none", async () => {
    const sha512 = "$6$e3Ot9wYEFt19lSce$9Bx5gO2tAucMu9icu3tBoXx6US1g1PHcCExbcoko0kN7dILVdu5NAZ3tQj.l4Xn8iGwqlGUDzqyx3owzxkxwQ.";
    for (const hash of [sha512, "plaintext password", "", "$apr1$short$abc", "{SSHA}abcdefghijklmnopqrstuvwxyz0=", "$2y$05$tooshort"]) {
      expect(htpasswdFormat(hash)).toBeNull();
      expect(await verifyHtpasswd("x", hash)).toBe(false);
    }
  });
});
