/**
 * Finding 4 of issue 18: `/<room>/admin/<anything more>` skipped a private
 * room's sign-in and showed the room's title on a 404; and the admin API took
 * only `Bearer` with a capital B (finding 6). The guard now exempts exactly
 * `admin/<command>`, one segment, which the admin API owns with its token.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { findElements } from "../support/dom";
import { send } from "../support/rooms";
import { basicAuth } from "../support/basic-auth";

const TITLE = "Secret Room";

describe("paths below a private room's admin/", () => {
  it("should ask for sign-in on everything deeper than admin/<command>, and give away no title", async () => {
    for (const path of ["admin/users/more", "admin/x/y", "admin//users", "admin/", "admin/users/", "admin/%2e%2e/users", "admin/audit/../../x"]) {
      for (const method of ["GET", "POST"]) {
        const res = await send(`/secret/${path}`, { method, headers: { "CF-Connecting-IP": "192.0.2.200" } });
        const body = await res.text();
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(body, path).not.toContain(TITLE);
      }
    }
  });

  it("should answer a signed-in user's deeper admin path with a 404 page only after sign-in", async () => {
    const res = await send("/secret/admin/users/more", { headers: { Authorization: basicAuth("alice", "first password"), "CF-Connecting-IP": "192.0.2.201" } });
    expect(res.status).toBe(404);
    expect(findElements(await res.text(), (tag) => tag === "h1")[0]?.text).toBe("Not found");
  });

  it("should keep admin/<command> to the admin API's token, without sign-in", async () => {
    const res = await send("/secret/admin/users", { headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    const wrong = await send("/secret/admin/users", { headers: { Authorization: "Bearer not-the-token" } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("WWW-Authenticate")).toBe("Bearer");
  });
});

describe("the admin API's token", () => {
  it("should be taken after Bearer in any case, as RFC 9110 makes the scheme case-insensitive", async () => {
    for (const scheme of ["Bearer", "bearer", "BEARER", "bEaReR"]) {
      const res = await send("/lobby/admin/audit", { headers: { Authorization: `${scheme} ${env.ADMIN_TOKEN}` } });
      expect(res.status, scheme).toBe(200);
      await res.arrayBuffer();
    }
    for (const header of [`Basic ${env.ADMIN_TOKEN}`, `Bearer${env.ADMIN_TOKEN}`, `Bearer  ${env.ADMIN_TOKEN}x`, env.ADMIN_TOKEN!]) {
      const res = await send("/lobby/admin/audit", { headers: { Authorization: header } });
      expect(res.status, header).toBe(401);
      await res.arrayBuffer();
    }
  });
});
