import { describe, expect, it, vi } from "vitest";
import {
  HASH_BYTES,
  hashPassword,
  parseBasicAuth,
  passwordProblem,
  PBKDF2_ITERATIONS,
  type PasswordRecord,
  SALT_BYTES,
  verifyPassword,
} from "../../src/security/passwords";

function bytesOf(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

function base64Of(bytes: Uint8Array): string {
  return btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(""));
}

function flipFirstBit(base64: string): string {
  const bytes = bytesOf(base64);
  bytes[0] = bytes[0]! ^ 1;
  return base64Of(bytes);
}

/** An Authorization header carrying these UTF-8 bytes, base64-encoded. */
function basic(credentials: string | Uint8Array): string {
  const bytes = typeof credentials === "string" ? new TextEncoder().encode(credentials) : credentials;
  return `Basic ${base64Of(bytes)}`;
}

describe("hashing passwords", () => {
  it("should give two different records for the same password, each with its own salt", async () => {
    const [a, b] = await Promise.all([hashPassword("correct horse"), hashPassword("correct horse")]);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    expect(await verifyPassword("correct horse", a)).toBe(true);
    expect(await verifyPassword("correct horse", b)).toBe(true);
  });

  it("should record the algorithm, the iteration count used, a 16-byte salt and a 32-byte hash", async () => {
    const record = await hashPassword("correct horse");
    expect(record.algorithm).toBe("pbkdf2-sha256");
    expect(record.iterations).toBe(PBKDF2_ITERATIONS);
    expect(record.iterations).toBe(100_000);
    expect(bytesOf(record.salt)).toHaveLength(SALT_BYTES);
    expect(bytesOf(record.hash)).toHaveLength(HASH_BYTES);
  });

  it("should refuse, at once, a record asking for more iterations than Cloudflare allows", async () => {
    // The open-source workerd under these tests has no cap (it would take minutes
    // over a billion iterations); Cloudflare's runtime refuses anything over 100 000.
    const record = { ...(await hashPassword("correct horse")), iterations: 1_000_000_000 };
    // At once: refused unread, PBKDF2 never started. A stand-in for deriveBits answers at once should it be
    // called, so that a missing check fails here on the calls instead of running a billion iterations.
    const deriveBits = vi.spyOn(crypto.subtle, "deriveBits").mockResolvedValue(new ArrayBuffer(HASH_BYTES));
    const importKey = vi.spyOn(crypto.subtle, "importKey");
    try {
      expect(await verifyPassword("correct horse", record)).toBe(false);
      expect(importKey).not.toHaveBeenCalled();
      expect(deriveBits).not.toHaveBeenCalled();
      // The same record at the cap is read (the stand-in's bits do not match it): the spies see what the check skipped.
      expect(await verifyPassword("correct horse", { ...record, iterations: PBKDF2_ITERATIONS })).toBe(false);
      expect(importKey).toHaveBeenCalledTimes(1);
      expect(deriveBits).toHaveBeenCalledTimes(1);
      expect(deriveBits.mock.calls[0]![0]).toMatchObject({ name: "PBKDF2", iterations: PBKDF2_ITERATIONS });
    } finally {
      deriveBits.mockRestore();
      importKey.mockRestore();
    }
  });

  it("should match what PBKDF2-HMAC-SHA-256 gives for the record's salt and iterations", async () => {
    const record = await hashPassword("pässword");
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("pässword"), "PBKDF2", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: bytesOf(record.salt), iterations: record.iterations }, key, 256);
    expect(base64Of(new Uint8Array(bits))).toBe(record.hash);
  });

  it("should survive a round trip through JSON", async () => {
    const record = JSON.parse(JSON.stringify(await hashPassword("correct horse"))) as PasswordRecord;
    expect(await verifyPassword("correct horse", record)).toBe(true);
  });
});

describe("verifying passwords", () => {
  it("should accept the right password and refuse a wrong one", async () => {
    const record = await hashPassword("correct horse");
    expect(await verifyPassword("correct horse", record)).toBe(true);
    expect(await verifyPassword("correct horsE", record)).toBe(false);
    expect(await verifyPassword("correct horse ", record)).toBe(false);
    expect(await verifyPassword("", record)).toBe(false);
  });

  it("should accept a password whose accents are composed differently", async () => {
    const record = await hashPassword("caf\u00e9 au lait");
    expect(await verifyPassword("cafe\u0301 au lait", record)).toBe(true);
  });

  it("should refuse the right password when the salt, the hash or the iteration count was altered", async () => {
    const record = await hashPassword("correct horse");
    expect(await verifyPassword("correct horse", { ...record, salt: flipFirstBit(record.salt) })).toBe(false);
    expect(await verifyPassword("correct horse", { ...record, hash: flipFirstBit(record.hash) })).toBe(false);
    expect(await verifyPassword("correct horse", { ...record, iterations: record.iterations - 1 })).toBe(false);
    expect(await verifyPassword("correct horse", { ...record, iterations: 1 })).toBe(false);
  });

  it("should refuse, without throwing, records that are not well formed", async () => {
    const record = await hashPassword("correct horse");
    const broken: unknown[] = [
      null,
      undefined,
      "a string",
      {},
      { ...record, algorithm: "pbkdf2-sha1" },
      { ...record, algorithm: undefined },
      { ...record, iterations: 0 },
      { ...record, iterations: -100_000 },
      { ...record, iterations: 1.5 },
      { ...record, iterations: "100000" },
      { ...record, iterations: Number.NaN },
      { ...record, iterations: PBKDF2_ITERATIONS + 1 },
      { ...record, iterations: 1e12 },
      { ...record, salt: "" },
      { ...record, salt: "not base64!" },
      { ...record, salt: record.salt.replace(/=+$/, "") },
      { ...record, salt: 42 },
      { ...record, hash: "" },
      { ...record, hash: "%%%%" },
      { ...record, hash: base64Of(bytesOf(record.hash).slice(0, 16)) },
      { ...record, hash: base64Of(new Uint8Array([...bytesOf(record.hash), 0])) },
      { ...record, hash: null },
    ];
    for (const candidate of broken) {
      await expect(verifyPassword("correct horse", candidate as PasswordRecord), JSON.stringify(candidate) ?? String(candidate)).resolves.toBe(false);
    }
  });

  it("should accept a record made with fewer iterations, so older records keep working", async () => {
    const salt = new Uint8Array(16).fill(7);
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("correct horse"), "PBKDF2", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 1000 }, key, 256);
    const record: PasswordRecord = { algorithm: "pbkdf2-sha256", iterations: 1000, salt: base64Of(salt), hash: base64Of(new Uint8Array(bits)) };
    expect(await verifyPassword("correct horse", record)).toBe(true);
    expect(await verifyPassword("wrong horse", record)).toBe(false);
  });
});

describe("reading basic credentials", () => {
  it("should read the user and the password", () => {
    expect(parseBasicAuth(basic("alice:correct horse"))).toEqual({ user: "alice", password: "correct horse" });
    expect(parseBasicAuth("Basic YWxpY2U6c2VjcmV0")).toEqual({ user: "alice", password: "secret" });
  });

  it("should keep colons in the password and split at the first one", () => {
    expect(parseBasicAuth(basic("alice:a:b::c:"))).toEqual({ user: "alice", password: "a:b::c:" });
  });

  it("should accept an empty password and leave refusing it to the password check", () => {
    expect(parseBasicAuth(basic("alice:"))).toEqual({ user: "alice", password: "" });
  });

  it("should decode UTF-8 in the user and the password", () => {
    expect(parseBasicAuth(basic("zoë:пароль🐱"))).toEqual({ user: "zoë", password: "пароль🐱" });
  });

  it("should take the scheme in any case and tolerate extra spaces", () => {
    const token = basic("alice:secret").slice("Basic ".length);
    for (const header of [`basic ${token}`, `BASIC ${token}`, `Basic   ${token}`, ` Basic ${token} `]) {
      expect(parseBasicAuth(header), header).toEqual({ user: "alice", password: "secret" });
    }
  });

  it("should refuse a missing header, another scheme or a missing token", () => {
    for (const header of [null, "", "Basic", "Basic ", "Bearer YWxpY2U6c2VjcmV0", "Digest username=alice", "YWxpY2U6c2VjcmV0", "Basic YWxp Y2U6c2VjcmV0"]) {
      expect(parseBasicAuth(header), String(header)).toBeNull();
    }
  });

  it("should refuse credentials without a colon or with an empty user", () => {
    expect(parseBasicAuth(basic("alice"))).toBeNull();
    expect(parseBasicAuth(basic(":secret"))).toBeNull();
    expect(parseBasicAuth(basic(":"))).toBeNull();
  });

  it("should refuse invalid base64", () => {
    for (const token of ["YWxpY2U6c2VjcmV0!", "YWxpY2U6c2VjcmV", "YWxpY2U6c2VjcmV0===", "YWxp=Y2U6", "YWxpY2U6c2VjcmV0\u00e9", "YWxpY2U-c2VjcmV0", "%%%%"]) {
      expect(parseBasicAuth(`Basic ${token}`), token).toBeNull();
    }
  });

  it("should refuse bytes that are not UTF-8", () => {
    const latin1 = new Uint8Array([0x7a, 0x6f, 0xeb, 0x3a, 0x70, 0x77]); // "zoë:pw" in Latin-1
    expect(parseBasicAuth(basic(latin1))).toBeNull();
    expect(parseBasicAuth(basic(new Uint8Array([0x61, 0x3a, 0xed, 0xa0, 0x80])))).toBeNull(); // an encoded surrogate
  });

  it("should refuse a user over 64 characters and a password over 256, counting characters, not bytes", () => {
    expect(parseBasicAuth(basic(`${"u".repeat(64)}:pw`))).toEqual({ user: "u".repeat(64), password: "pw" });
    expect(parseBasicAuth(basic(`${"u".repeat(65)}:pw`))).toBeNull();
    expect(parseBasicAuth(basic(`${"🐱".repeat(64)}:pw`))).not.toBeNull();
    expect(parseBasicAuth(basic(`alice:${"p".repeat(256)}`))).toEqual({ user: "alice", password: "p".repeat(256) });
    expect(parseBasicAuth(basic(`alice:${"p".repeat(257)}`))).toBeNull();
    expect(parseBasicAuth(basic(`alice:${"é".repeat(256)}`))).not.toBeNull();
  });
});

describe("the password policy", () => {
  it("should ask for at least 8 characters", () => {
    expect(passwordProblem("")).toBe("A password needs at least 8 characters.");
    expect(passwordProblem("1234567")).toBe("A password needs at least 8 characters.");
    expect(passwordProblem("12345678")).toBeNull();
  });

  it("should allow at most 256 characters", () => {
    expect(passwordProblem("p".repeat(256))).toBeNull();
    expect(passwordProblem("p".repeat(257))).toBe("A password can have at most 256 characters.");
  });

  it("should count characters, not UTF-16 units", () => {
    expect(passwordProblem("🐱".repeat(7))).not.toBeNull();
    expect(passwordProblem("🐱".repeat(8))).toBeNull();
    expect(passwordProblem("🐱".repeat(256))).toBeNull();
  });
});
