import { readFileSync } from "node:fs";

/** The admin token: CHATON_ADMIN_TOKEN, or ADMIN_TOKEN in the working directory's .dev.vars. */
export function adminToken() {
  if (process.env.CHATON_ADMIN_TOKEN) return process.env.CHATON_ADMIN_TOKEN;
  try {
    const line = readFileSync(".dev.vars", "utf8")
      .split("\n")
      .find((l) => l.startsWith("ADMIN_TOKEN="));
    return line?.slice("ADMIN_TOKEN=".length).replace(/^"(.*)"$/, "$1");
  } catch {
    return undefined;
  }
}
