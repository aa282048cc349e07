/**
 * Finding 2 of issue 18: the password page was not rate limited, and the
 * sign-in throttle lived in the room object's memory, so each eviction gave
 * a guesser fresh tries. Failures are now counted in the room's storage, per
 * address and per user, with the same rule for both pages.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FAILED_LOGIN_WINDOW_MS, MAX_FAILED_LOGINS, MAX_FAILED_LOGINS_PER_USER } from "../../src/protocol/limits";
import { LoginThrottle } from "../../src/room/access/login-throttle";
import type { Room } from "../../src/room/room";
import { Throttles } from "../../src/room/storage/throttles";
import { findElements } from "../support/dom";
import { send } from "../support/rooms";
import { basicAuth } from "../support/basic-auth";

const ROOM = "secret";
const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
const roomStub = () => env.ROOM.getByName(ROOM);

async function addUser(user: string, password: string): Promise<void> {
  const res = await send(`/${ROOM}/admin/users`, { method: "POST", body: new URLSearchParams({ user, password }), headers: ADMIN });
  expect(res.status).toBe(200);
}

function signIn(user: string, password: string, ip: string): Promise<Response> {
  return send(`/${ROOM}/var/seq`, { headers: { Authorization: basicAuth(user, password), "CF-Connecting-IP": ip } });
}

function changePassword(user: string, password: string, current: string, ip: string): Promise<Response> {
  return send(`/${ROOM}/password`, {
    method: "POST",
    headers: { Authorization: basicAuth(user, password), "CF-Connecting-IP": ip },
    body: new URLSearchParams({ current, next: "a brand new password", confirm: "a brand new password" }),
  });
}

/** The alert a password page shows, read with an HTML parser. */
async function pageError(res: Response): Promise<string | undefined> {
  return findElements(await res.text(), (_tag, attrs) => attrs["role"] === "alert")[0]?.text;
}

describe("the password page", () => {
  it("should answer 20 wrong current passwords from one address with 5 × 400, then 429 with Retry-After", async () => {
    await addUser("dave", "dave's password");
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 20; i++) {
      last = await changePassword("dave", "dave's password", `guess number ${i}`, "203.0.113.20");
      statuses.push(last.status);
      if (i < 19) await last.arrayBuffer();
    }
    expect(statuses).toEqual([...Array(MAX_FAILED_LOGINS).fill(400), ...Array(20 - MAX_FAILED_LOGINS).fill(429)]);
    expect(Number(last!.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await pageError(last!)).toMatch(/^Too many wrong passwords; try again in \d+ s$/);
    // The right current password waits too: the page cannot be used to confirm a guess.
    const right = await changePassword("dave", "dave's password", "dave's password", "203.0.113.20");
    expect(right.status).toBe(429);
    // Sign-in is counted apart: dave still signs in.
    expect((await signIn("dave", "dave's password", "203.0.113.20")).status).toBe(200);
  });

  it("should count per user too, across addresses, with the same rule", async () => {
    await addUser("erin", "erin's password");
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
      expect((await changePassword("erin", "erin's password", `wrong ${i}`, `203.0.114.${i + 1}`)).status).toBe(400);
    }
    const sixth = await changePassword("erin", "erin's password", "wrong again", "203.0.114.99");
    expect(sixth.status).toBe(429);
  });
});

describe("failed sign-ins", () => {
  it("should keep counting in storage, so a new object of the room (after eviction) still makes the address wait", async () => {
    const ip = "203.0.113.40";
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) expect((await signIn("alice", `guess ${i}`, ip)).status).toBe(401);
    expect((await signIn("alice", "guess again", ip)).status).toBe(429);
    // What a fresh object would have: nothing in memory, only the room's storage.
    const wait = await runInDurableObject(roomStub(), (_room: Room, state) => {
      const fresh = new LoginThrottle(new Throttles(state.storage.sql), "sign-in");
      return fresh.retryAfter({ ip, user: "someone else" }, Date.now());
    });
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(FAILED_LOGIN_WINDOW_MS / 1000);
  });

  it("should make a user wait after failures from many addresses, right password and all, and leave other users alone", async () => {
    await addUser("frank", "frank's password");
    for (let i = 0; i < MAX_FAILED_LOGINS_PER_USER; i++) {
      const res = await signIn("frank", `spread guess ${i}`, `198.18.${Math.floor(i / 200)}.${(i % 200) + 1}`);
      expect(res.status, `guess ${i}`).toBe(401);
    }
    const blocked = await signIn("frank", "frank's password", "198.18.9.9");
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(0);
    await addUser("hana", "hana's password");
    expect((await signIn("hana", "hana's password", "198.18.9.10")).status).toBe(200);
  });

  it("should forget a window once it is over, and delete rows of ended windows as new failures come", async () => {
    const now = Date.now();
    const result = await runInDurableObject(roomStub(), (_room: Room, state) => {
      const store = new Throttles(state.storage.sql);
      const throttle = new LoginThrottle(store, "sign-in");
      const attempt = { ip: "203.0.113.77", user: "ghost" };
      for (let i = 0; i < MAX_FAILED_LOGINS; i++) throttle.failed(attempt, now);
      const during = throttle.retryAfter(attempt, now + FAILED_LOGIN_WINDOW_MS - 1_000);
      const after = throttle.retryAfter(attempt, now + FAILED_LOGIN_WINDOW_MS);
      const rowsBefore = store.current("sign-in-address", attempt.ip, now, FAILED_LOGIN_WINDOW_MS);
      // Another failure, later: the ended rows go.
      throttle.failed({ ip: "203.0.113.78", user: "other" }, now + FAILED_LOGIN_WINDOW_MS + 1);
      const left = state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM throttles WHERE key IN ('203.0.113.77', 'ghost')").one().n;
      return { during, after, count: rowsBefore?.count, left };
    });
    expect(result).toEqual({ during: 1, after: 0, count: MAX_FAILED_LOGINS, left: 0 });
  });

  it("should start the address afresh after a success, and leave the user's count to expire", async () => {
    const result = await runInDurableObject(roomStub(), (_room: Room, state) => {
      const store = new Throttles(state.storage.sql);
      const throttle = new LoginThrottle(store, "sign-in");
      const now = Date.now();
      const attempt = { ip: "203.0.113.88", user: "gina" };
      for (let i = 0; i < MAX_FAILED_LOGINS - 1; i++) throttle.failed(attempt, now);
      throttle.succeeded(attempt);
      return {
        address: store.current("sign-in-address", attempt.ip, now, FAILED_LOGIN_WINDOW_MS),
        user: store.current("sign-in-user", attempt.user, now, FAILED_LOGIN_WINDOW_MS)?.count,
      };
    });
    expect(result).toEqual({ address: null, user: MAX_FAILED_LOGINS - 1 });
  });
});
