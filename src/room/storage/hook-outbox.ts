/** An event waiting for an outgoing hook (table hook_outbox). */
export interface OutboxEvent extends Record<string, SqlStorageValue> {
  id: number;
  hook_id: string;
  event: string;
  key: string;
  body: string;
}

/** Events waiting for outgoing hooks, oldest first per hook. */
export class HookOutbox {
  constructor(private readonly sql: SqlStorage) {}

  add(hookId: string, event: string, key: string, body: string): void {
    this.sql.exec("INSERT INTO hook_outbox (hook_id, event, key, body) VALUES (?, ?, ?, ?)", hookId, event, key, body);
  }

  /** The oldest event waiting for the hook. */
  head(hookId: string): OutboxEvent | null {
    return (
      this.sql.exec<OutboxEvent>("SELECT id, hook_id, event, key, body FROM hook_outbox WHERE hook_id = ? ORDER BY id LIMIT 1", hookId).toArray()[0] ?? null
    );
  }

  remove(id: number): void {
    this.sql.exec("DELETE FROM hook_outbox WHERE id = ?", id);
  }

  /** Drops every event waiting for the hook; returns how many. */
  dropAll(hookId: string): number {
    return this.sql.exec("DELETE FROM hook_outbox WHERE hook_id = ? RETURNING id", hookId).toArray().length;
  }
}
