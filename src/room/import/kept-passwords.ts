import { verifyHtpasswd } from "../../security/htpasswd";
import { hashPassword, verifyPassword, type PasswordRecord } from "../../security/passwords";
import type { RoomContext } from "../context";

/** A user's record as it came from the original room's htpasswd file, kept until their first sign-in. */
export interface KeptHtpasswdRecord {
  algorithm: "htpasswd";
  hash: string;
}

export function isKeptHtpasswdRecord(record: unknown): record is KeptHtpasswdRecord {
  return typeof record === "object" && record !== null && (record as { algorithm?: unknown }).algorithm === "htpasswd" && typeof (record as { hash?: unknown }).hash === "string";
}

/**
 * Checks a user's password against their stored record. A record kept from an
 * htpasswd file is replaced, once the password matched it, by our own PBKDF2
 * record, so every user leaves the old formats behind on their first sign-in.
 */
export async function verifyUserPassword(
  room: Pick<RoomContext, "users" | "audit" | "clock">,
  user: string,
  password: string,
  record: PasswordRecord | KeptHtpasswdRecord,
): Promise<boolean> {
  if (!isKeptHtpasswdRecord(record)) return verifyPassword(password, record);
  if (!(await verifyHtpasswd(password, record.hash))) return false;
  room.users.save(user, await hashPassword(password), room.clock.now());
  room.audit.record({ at: room.clock.now(), actor: user, action: "upgrade-password", target: user, detail: record.hash.startsWith("$") ? record.hash.split("$")[1]! : record.hash.slice(0, 5) });
  return true;
}
