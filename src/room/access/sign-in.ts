import { hashPassword, passwordProblem, verifyPassword, type PasswordRecord } from "../../security/passwords";
import type { Clock } from "../../clock";
import type { AuditLog } from "../storage/audit-log";
import type { Users } from "../storage/users";
import { tooManyRequests } from "../../http/errors";
import { logEvent } from "../../log";
import { verifyUserPassword } from "./kept-passwords";
import type { LoginThrottle } from "./login-throttle";

export interface SignInRoom {
  config: { name: string };
  clock: Clock;
  users: Users;
  audit: Pick<AuditLog, "record">;
}

export type LoginResult = { ok: true } | { ok: false; retryAfter: number };

/** A record to verify against when the user does not exist, so that both take the same time. */
let decoy: Promise<PasswordRecord> | null = null;

/** Makes the first user from "user:password" (the FIRST_USER secret) while the room has none. */
async function seedFirstUser(room: SignInRoom, firstUser: string | undefined): Promise<void> {
  if (firstUser === undefined || room.users.count() > 0) return;
  const colon = firstUser.indexOf(":");
  if (colon <= 0) return;
  const name = firstUser.slice(0, colon);
  const record = await hashPassword(firstUser.slice(colon + 1));
  if (room.users.count() > 0) return;
  room.users.save(name, record, room.clock.now());
  room.audit.record({ at: room.clock.now(), actor: "FIRST_USER", action: "add-user", target: name, detail: "" });
}

/** Checks a password; an address or a user that keeps failing must wait (429 with Retry-After in the Worker). */
export async function checkLogin(
  room: SignInRoom,
  throttle: LoginThrottle,
  firstUser: string | undefined,
  attempt: { user: string; password: string; ip: string },
): Promise<LoginResult> {
  const now = room.clock.now();
  const wait = throttle.retryAfter(attempt, now);
  if (wait > 0) {
    logEvent({ event: "sign-in-throttled", room: room.config.name, ip: attempt.ip, user: attempt.user.slice(0, 64), retryAfter: wait });
    return { ok: false, retryAfter: wait };
  }
  await seedFirstUser(room, firstUser);
  const record = room.users.record(attempt.user);
  let ok = false;
  if (record !== null) ok = await verifyUserPassword(room, attempt.user, attempt.password, record);
  else {
    // A user who does not exist takes as long to refuse as a wrong password.
    decoy ??= hashPassword("decoy");
    await verifyPassword(attempt.password, await decoy);
  }
  if (ok) {
    throttle.succeeded(attempt);
    return { ok: true };
  }
  // This attempt is answered 401; the ones after the limit wait (429).
  throttle.failed(attempt, room.clock.now());
  logEvent({ event: "sign-in-failed", room: room.config.name, ip: attempt.ip, user: attempt.user.slice(0, 64) });
  return { ok: false, retryAfter: 0 };
}

/**
 * Changes a signed-in user's password; returns what was wrong, or null when
 * done. Wrong current passwords are throttled as sign-ins are (a 429 with
 * Retry-After), so that a borrowed session cannot guess its way to the password.
 */
export async function changePassword(
  room: SignInRoom,
  throttle: LoginThrottle,
  change: { user: string; current: string; next: string; ip: string },
): Promise<string | null> {
  const { user, ip } = change;
  const wait = throttle.retryAfter(change, room.clock.now());
  if (wait > 0) {
    logEvent({ event: "password-throttled", room: room.config.name, ip, user, retryAfter: wait });
    throw tooManyRequests("Too many wrong passwords", wait);
  }
  const record = room.users.record(user);
  if (record === null || !(await verifyUserPassword(room, user, change.current, record))) {
    throttle.failed(change, room.clock.now());
    logEvent({ event: "password-wrong", room: room.config.name, ip, user });
    return "The current password is not right.";
  }
  throttle.succeeded(change);
  const problem = passwordProblem(change.next);
  if (problem !== null) return problem;
  room.users.save(user, await hashPassword(change.next), room.clock.now());
  room.audit.record({ at: room.clock.now(), actor: user, action: "change-password", target: user, detail: "" });
  return null;
}
