import { FAILED_LOGIN_WINDOW_MS, MAX_FAILED_LOGINS } from "../../protocol/limits";

/**
 * Slows down guessing: an address with MAX_FAILED_LOGINS failures within the
 * window waits until the window's end. Kept in memory: an evicted room
 * forgets, which only gives a guesser one more short burst.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  /** Seconds the address must wait, or 0. */
  retryAfter(ip: string, now: number): number {
    const entry = this.failures.get(ip);
    if (entry === undefined) return 0;
    if (now - entry.since >= FAILED_LOGIN_WINDOW_MS) {
      this.failures.delete(ip);
      return 0;
    }
    return entry.count >= MAX_FAILED_LOGINS ? Math.ceil((entry.since + FAILED_LOGIN_WINDOW_MS - now) / 1000) : 0;
  }

  failed(ip: string, now: number): void {
    const entry = this.failures.get(ip);
    if (entry === undefined || now - entry.since >= FAILED_LOGIN_WINDOW_MS) this.failures.set(ip, { count: 1, since: now });
    else entry.count++;
  }

  succeeded(ip: string): void {
    this.failures.delete(ip);
  }
}
