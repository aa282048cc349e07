import type { PasswordRecord } from "../../security/passwords";
import type { KeptHtpasswdRecord } from "../../security/htpasswd";

/** The users of a private room and their password records. */
export class Users {
  constructor(private readonly sql: SqlStorage) {}

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM users").one().n;
  }

  /** A user's record: ours, or one kept as it came from an original room's htpasswd file until the first sign-in. */
  record(name: string): PasswordRecord | KeptHtpasswdRecord | null {
    const row = this.sql.exec<{ password: string }>("SELECT password FROM users WHERE name = ?", name).toArray()[0];
    if (row === undefined) return null;
    try {
      return JSON.parse(row.password) as PasswordRecord | KeptHtpasswdRecord;
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

  /** Adds a user with a record kept as it came (an htpasswd line), unless the user exists; returns whether it was added. */
  addIfAbsent(name: string, record: object, nowMs: number): boolean {
    return (
      this.sql.exec(
        "INSERT INTO users (name, password, created_at, changed_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
        name,
        JSON.stringify(record),
        nowMs,
        nowMs,
      ).rowsWritten > 0
    );
  }

  names(): string[] {
    return this.sql
      .exec<{ name: string }>("SELECT name FROM users ORDER BY name")
      .toArray()
      .map((row) => row.name);
  }
}
