import { isKeptHtpasswdRecord, verifyHtpasswd, type KeptHtpasswdRecord } from "../../security/htpasswd";
import { hashPassword, verifyPassword, type PasswordRecord } from "../../security/passwords";
import type { Clock } from "../../clock";
import type { AuditLog } from "../storage/audit-log";
import type { Users } from "../storage/users";

/**
 * Checks a user's password against their stored record. A record kept from an
 * htpasswd file is replaced, once the password matched it, by our own PBKDF2
 * record, so every user leaves the old formats behind on their first sign-in.
 */
export async function verifyUserPassword(
  room: { users: Users; audit: Pick<AuditLog, "record">; clock: Clock },
  user: string,
  password: string,
  record: PasswordRecord | KeptHtpasswdRecord,
): Promise<boolean> {
  if (!isKeptHtpasswdRecord(record)) return verifyPassword(password, record);
  if (!(await verifyHtpasswd(password, record.hash))) return false;
  room.users.save(user, await hashPassword(password), room.clock.now());
  room.audit.record({
    at: room.clock.now(),
    actor: user,
    action: "upgrade-password",
    target: user,
    detail: record.hash.startsWith("$") ? record.hash.split("$")[1]! : record.hash.slice(0, 5),
  });
  return true;
}
