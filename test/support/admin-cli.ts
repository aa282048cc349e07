import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "./wrangler-dev";

const run = promisify(execFile);

/** How `npm run admin` ended: its exit status and what it printed. */
export interface AdminRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run admin -- --url <url> <args>` as an operator runs it (scripts/admin.mjs), the token in CHATON_ADMIN_TOKEN. */
export async function runAdmin(url: string, token: string, args: string[], env: Record<string, string> = {}): Promise<AdminRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(PROJECT_ROOT, "scripts", "admin.mjs"), "--url", url, ...args], {
      env: { ...process.env, CHATON_ADMIN_TOKEN: token, ...env },
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as AdminRun;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
