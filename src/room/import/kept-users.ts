import { htpasswdFormat } from "../../security/htpasswd-format";
import type { KeptUser } from "../../protocol/transfer";
import type { KeptHtpasswdRecord } from "./kept-passwords";

/**
 * Adds the users of an original room's htpasswd file with their records as
 * they are (verified and replaced on each user's first sign-in). A user the
 * room already has keeps their record: a run again never puts back an old
 * password over one already upgraded or changed.
 */
export function importUsers(sql: SqlStorage, users: readonly KeptUser[], nowMs: number): { added: string[]; present: string[]; refused: { user: string; reason: string }[] } {
  const added: string[] = [];
  const present: string[] = [];
  const refused: { user: string; reason: string }[] = [];
  for (const { user, hash } of users) {
    if (htpasswdFormat(hash) === null) {
      refused.push({ user, reason: "unknown password format" });
      continue;
    }
    const record: KeptHtpasswdRecord = { algorithm: "htpasswd", hash };
    const written = sql.exec(
      "INSERT INTO users (name, password, created_at, changed_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
      user,
      JSON.stringify(record),
      nowMs,
      nowMs,
    ).rowsWritten;
    (written > 0 ? added : present).push(user);
  }
  return { added, present, refused };
}
