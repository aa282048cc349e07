import { USER_NAME } from "../../src/protocol/user-name";
import { htpasswdFormat, type HtpasswdFormat } from "../../src/security/htpasswd-format";

export interface HtpasswdUser {
  line: number;
  user: string;
  hash: string;
  format: HtpasswdFormat;
}

/** The users of an htpasswd file; lines of a format the room cannot verify are reported and left out. */
export function readHtpasswd(text: string): { users: HtpasswdUser[]; skipped: { line: number; user: string; reason: string }[] } {
  const users: HtpasswdUser[] = [];
  const skipped: { line: number; user: string; reason: string }[] = [];
  text.split("\n").forEach((raw, i) => {
    const lineText = raw.replace(/\r$/, "");
    if (lineText.trim() === "" || lineText.startsWith("#")) return;
    const colon = lineText.indexOf(":");
    const line = i + 1;
    const user = colon < 0 ? lineText : lineText.slice(0, colon);
    if (colon < 0) return void skipped.push({ line, user: "", reason: "no user:hash" });
    if (!USER_NAME.test(user)) return void skipped.push({ line, user, reason: "a user name is 1 to 64 characters, no spaces" });
    const hash = lineText.slice(colon + 1);
    const format = htpasswdFormat(hash);
    if (format === null) return void skipped.push({ line, user, reason: "unknown password format" });
    users.push({ line, user, hash, format });
  });
  return { users, skipped };
}
