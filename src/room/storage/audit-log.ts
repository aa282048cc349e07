import type { AuditEntry } from "../../protocol/admin";

/** The room's audit log: what administrators did, and what the room refused. */
export class AuditLog {
  constructor(private readonly sql: SqlStorage) {}

  record(entry: AuditEntry): void {
    this.sql.exec(
      "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
      entry.at,
      entry.actor,
      entry.action,
      entry.target,
      entry.detail,
    );
  }

  /** The newest entries first. */
  recent(limit = 200): AuditEntry[] {
    return this.sql
      .exec<{ at: number; actor: string; action: string; target: string; detail: string }>(
        "SELECT at, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?",
        limit,
      )
      .toArray();
  }
}
