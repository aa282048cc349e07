/**
 * `wrangler dev` for the end-to-end tests: the launcher the benchmark uses too
 * (scripts/lib/dev-server.mjs), with the posting and client limits lifted
 * (LIFTED_LIMITS), since tests post from one address far faster than people
 * (a test can set its own: the tests of the limits do).
 */
import { freePort, PROJECT_ROOT, startDev as startServer, type DevServer } from "../../scripts/lib/dev-server.mjs";

export { freePort, PROJECT_ROOT, type DevServer };

export interface DevOptions {
  /** Reuse this persistence directory (e.g. after a crash); default: a fresh temporary one. */
  persistDir?: string;
  /** Extra `--var KEY:VALUE` bindings. */
  vars?: Record<string, string>;
  /** Listen on this loopback port (e.g. to restart a server where its clients expect it); default: a free one. */
  port?: number;
  /** wrangler's --log-level: "log" shows the rooms' info lines (default warn). */
  logLevel?: "log" | "info" | "warn";
  /** Called with each chunk the server prints. */
  onOutput?: (chunk: string) => void;
}

/** Starts `wrangler dev` on a free loopback port and waits until the lobby answers. */
export const LIFTED_LIMITS: Readonly<Record<string, string>> = {
  POSTS_PER_MINUTE: "100000",
  CLIENT_POST_BURST: "100000",
  CLIENT_POSTS_PER_MINUTE: "100000",
  NEW_CLIENTS_PER_MINUTE: "100000",
};

export async function startDev(options: DevOptions = {}): Promise<DevServer> {
  const start = () => startServer({ ...options, label: "e2e", readyTimeoutMs: 45_000, vars: { ...LIFTED_LIMITS, ...options.vars } });
  try {
    return await start();
  } catch (error) {
    // A port picked free may be taken before wrangler binds it (files start servers at once): once more,
    // on another port, unless the test needs this one.
    if (options.port !== undefined) throw error;
    return start();
  }
}
