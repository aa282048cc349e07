import type { HookDirection } from "../../protocol/webhooks";

/** A row of table hooks. */
export interface HookRow extends Record<string, SqlStorageValue> {
  id: string;
  name: string;
  direction: HookDirection;
  secret_hash: string | null;
  signing_key: string | null;
  url: string | null;
  origin: string;
  created_at: number;
  queued: number;
  attempts: number;
  next_attempt_at: number;
  failing_since: number | null;
  last_error: string | null;
  disabled_at: number | null;
}

export interface NewHookRow {
  id: string;
  name: string;
  direction: HookDirection;
  secretHash: string | null;
  signingKey: string | null;
  url: string | null;
  origin: string;
  createdAt: number;
}

const SELECT = "SELECT * FROM hooks";
/** Outgoing hooks that take events. */
const ACTIVE_OUT = "direction = 'out' AND disabled_at IS NULL";

/** The room's webhooks and the delivery state of the outgoing ones (table hooks). */
export class Hooks {
  constructor(private readonly sql: SqlStorage) {}

  add(hook: NewHookRow): void {
    this.sql.exec(
      "INSERT INTO hooks (id, name, direction, secret_hash, signing_key, url, origin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      hook.id,
      hook.name,
      hook.direction,
      hook.secretHash,
      hook.signingKey,
      hook.url,
      hook.origin,
      hook.createdAt,
    );
  }

  find(id: string): HookRow | null {
    return this.sql.exec<HookRow>(`${SELECT} WHERE id = ?`, id).toArray()[0] ?? null;
  }

  all(): HookRow[] {
    return this.sql.exec<HookRow>(`${SELECT} ORDER BY created_at, id`).toArray();
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM hooks").one().n;
  }

  remove(id: string): boolean {
    return this.sql.exec("DELETE FROM hooks WHERE id = ? RETURNING id", id).toArray().length > 0;
  }

  /** The outgoing hooks that take events now. */
  activeOutgoing(): HookRow[] {
    return this.sql.exec<HookRow>(`${SELECT} WHERE ${ACTIVE_OUT} ORDER BY created_at, id`).toArray();
  }

  /** Outgoing hooks with events waiting whose next try is due at `now`. */
  due(now: number): HookRow[] {
    return this.sql.exec<HookRow>(`${SELECT} WHERE ${ACTIVE_OUT} AND queued > 0 AND next_attempt_at <= ?`, now).toArray();
  }

  /** The earliest time an outgoing hook with events waiting may be tried, or null when none waits. */
  nextAttempt(): number | null {
    return this.sql.exec<{ at: number | null }>(`SELECT min(next_attempt_at) AS at FROM hooks WHERE ${ACTIVE_OUT} AND queued > 0`).one().at;
  }

  queued(id: string, events: number): void {
    this.sql.exec("UPDATE hooks SET queued = queued + ? WHERE id = ?", events, id);
  }

  /** The oldest event went through: the hook is well again. */
  delivered(id: string): void {
    this.sql.exec("UPDATE hooks SET queued = max(queued - 1, 0), attempts = 0, next_attempt_at = 0, failing_since = NULL, last_error = NULL WHERE id = ?", id);
  }

  /** A try failed: the next waits until `nextAt`; `failing_since` keeps the first failure of the run. */
  failed(id: string, now: number, nextAt: number, error: string): void {
    this.sql.exec(
      "UPDATE hooks SET attempts = attempts + 1, next_attempt_at = ?, failing_since = coalesce(failing_since, ?), last_error = ? WHERE id = ?",
      nextAt,
      now,
      error,
      id,
    );
  }

  /** Switched off: it takes no events and none wait for it. */
  disable(id: string, now: number): void {
    this.sql.exec("UPDATE hooks SET disabled_at = ?, queued = 0 WHERE id = ?", now, id);
  }

  /** Its count of waiting events, made right when the queue turns out empty. */
  resetQueued(id: string): void {
    this.sql.exec("UPDATE hooks SET queued = 0 WHERE id = ?", id);
  }
}
