import { FAILED_LOGIN_WINDOW_MS, MAX_FAILED_LOGINS, MAX_FAILED_LOGINS_PER_USER } from "../../protocol/limits";
import type { ThrottleKind, Throttles } from "../storage/throttles";

/** Who is trying: the address the attempt came from, and the user it names. */
export interface Attempt {
  ip: string;
  user: string;
}

/**
 * Slows down guessing, of sign-ins or of the current password on the
 * password page: an address with MAX_FAILED_LOGINS failures within
 * FAILED_LOGIN_WINDOW_MS, or a user with as many as `perUser` from any
 * addresses, waits until that window ends, right password or not. The counts
 * live in the room's storage, so an evicted room forgets nothing.
 *
 * Sign-in allows a user MAX_FAILED_LOGINS_PER_USER (reaching it locks the
 * user out while it lasts); the password page, whose user is signed in
 * already and is only kept from changing the password, MAX_FAILED_LOGINS.
 */
export class LoginThrottle {
  private readonly byAddress: ThrottleKind;
  private readonly byUser: ThrottleKind;

  private readonly perUser: number;

  constructor(
    private readonly store: Throttles,
    what: "sign-in" | "password",
  ) {
    this.byAddress = `${what}-address`;
    this.byUser = `${what}-user`;
    this.perUser = what === "sign-in" ? MAX_FAILED_LOGINS_PER_USER : MAX_FAILED_LOGINS;
  }

  /** Seconds the attempt must wait, or 0. */
  retryAfter(attempt: Attempt, now: number): number {
    return Math.max(this.wait(this.byAddress, attempt.ip, MAX_FAILED_LOGINS, now), this.wait(this.byUser, attempt.user, this.perUser, now));
  }

  failed(attempt: Attempt, now: number): void {
    this.store.fail(this.byAddress, attempt.ip, now, FAILED_LOGIN_WINDOW_MS);
    this.store.fail(this.byUser, attempt.user, now, FAILED_LOGIN_WINDOW_MS);
  }

  /**
   * The address starts afresh. The user's count is left to expire: else each
   * sign-in of the real user would give guessers elsewhere a fresh allowance.
   */
  succeeded(attempt: Attempt): void {
    this.store.clear(this.byAddress, attempt.ip);
  }

  private wait(kind: ThrottleKind, key: string, limit: number, now: number): number {
    const failures = this.store.current(kind, key, now, FAILED_LOGIN_WINDOW_MS);
    if (failures === null || failures.count < limit) return 0;
    return Math.max(1, Math.ceil((failures.since + FAILED_LOGIN_WINDOW_MS - now) / 1000));
  }
}
