/** What is counted: failed sign-ins and wrong current passwords, each per address and per user. */
export type ThrottleKind = "sign-in-address" | "sign-in-user" | "password-address" | "password-user";

/** Failures counted in one window, which starts at the first of them. */
export interface FailureCount {
  count: number;
  since: number;
}

/**
 * Failure counts in the room's storage (table `throttles`), so that an evicted
 * or restarted room object still knows them. A count belongs to a window of
 * `windowMs` from its first failure; once the window is over, the count is as
 * good as gone, and such rows are deleted whenever a failure is recorded.
 */
export class Throttles {
  constructor(private readonly sql: SqlStorage) {}

  /** The failures of `key` in its current window, or null when there is none. */
  current(kind: ThrottleKind, key: string, nowMs: number, windowMs: number): FailureCount | null {
    const row = this.sql.exec<{ count: number; since: number }>("SELECT count, since FROM throttles WHERE kind = ? AND key = ?", kind, key).toArray()[0];
    if (row === undefined || nowMs - row.since >= windowMs) return null;
    return row;
  }

  /** Counts one failure: the first of a new window, or one more in the current one. */
  fail(kind: ThrottleKind, key: string, nowMs: number, windowMs: number): FailureCount {
    this.sql.exec("DELETE FROM throttles WHERE since <= ?", nowMs - windowMs);
    return this.sql
      .exec<{ count: number; since: number }>(
        "INSERT INTO throttles (kind, key, count, since) VALUES (?, ?, 1, ?) ON CONFLICT (kind, key) DO UPDATE SET count = count + 1 RETURNING count, since",
        kind,
        key,
        nowMs,
      )
      .one();
  }

  /** Forgets the failures of `key` (after a success). */
  clear(kind: ThrottleKind, key: string): void {
    this.sql.exec("DELETE FROM throttles WHERE kind = ? AND key = ?", kind, key);
  }

  /** Rows kept, expired or not (tests). */
  size(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM throttles").one().n;
  }
}
