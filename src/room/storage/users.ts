import type { PasswordRecord } from "../../security/passwords";

/** The users of a private room and their password records. */
export class Users {
  constructor(private readonly sql: SqlStorage) {}

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM users").one().n;
  }

  record(name: string): PasswordRecord | null {
    const row = this.sql.exec<{ password: string }>("SELECT password FROM users WHERE name = ?", name).toArray()[0];
    if (row === undefined) return null;
    try {
      return JSON.parse(row.password) as PasswordRecord;
    } catch {
      return null;
    }
  }

  /** Adds a user, or sets the password of an existing one. */
  save(name: string, record: PasswordRecord, nowMs: number): void {
    this.sql.exec(
      `INSERT INTO users (name, password, created_at, changed_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET password = excluded.password, changed_at = excluded.changed_at`,
      name,
      JSON.stringify(record),
      nowMs,
      nowMs,
    );
  }

  names(): string[] {
    return this.sql.exec<{ name: string }>("SELECT name FROM users ORDER BY name").toArray().map((row) => row.name);
  }
}
