/**
 * `wrangler dev` for the end-to-end tests: the launcher the benchmark uses too
 * (scripts/lib/dev-server.mjs), with the per-address post limit lifted, since
 * tests post from one address far faster than a person (a test can set it).
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
}

/** Starts `wrangler dev` on a free loopback port and waits until the lobby answers. */
export function startDev(options: DevOptions = {}): Promise<DevServer> {
  return startServer({ ...options, label: "e2e", readyTimeoutMs: 45_000, vars: { POSTS_PER_MINUTE: "100000", ...options.vars } });
}
