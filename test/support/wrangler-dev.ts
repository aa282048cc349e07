/**
 * Runs the project under `wrangler dev` (workerd, local Durable Objects with
 * SQLite persisted to a directory) for end-to-end tests.
 *
 * Each server runs in its own process group (spawned detached), and stopping
 * it signals the whole group, so no workerd child outlives it. Every wait is
 * bounded in time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface DevServer {
  /** The server's origin, e.g. "http://127.0.0.1:41234" (no trailing slash). */
  url: string;
  /** Where the server persists its Durable Object storage. */
  persistDir: string;
  /**
   * Stops the server gracefully: SIGTERM to its process group, SIGKILL after a
   * few seconds. A persistence directory the harness made itself is removed.
   */
  stop(): Promise<void>;
  /**
   * Kills the server's process group at once with SIGKILL, as a crash would.
   * The persistence directory stays, for a server started again on it.
   */
  kill(): Promise<void>;
}

export interface DevOptions {
  /** Reuse this persistence directory (e.g. after a crash); default: a fresh temporary one. */
  persistDir?: string;
  /** Extra `--var KEY:VALUE` bindings. */
  vars?: Record<string, string>;
  /** Listen on this loopback port (e.g. to restart a server where its clients expect it); default: a free one. */
  port?: number;
}

/** The project root: two levels up from test/support/. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const READY_TIMEOUT_MS = 45_000;
const READY_POLL_MS = 150;
const STOP_GRACE_MS = 4_000;
const EXIT_WAIT_MS = 5_000;
const REAP_WAIT_MS = 3_000;
const OUTPUT_TAIL_CHARS = 8_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A port that was free a moment ago: bind port 0 on loopback, read the port, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the bound port"));
        return;
      }
      server.close(() => resolvePort(address.port));
    });
  });
}

/** Process groups started here and not yet known to be gone; killed if this process exits. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Whether any process of the group is still running. Zombies (exited, not yet
 * reaped by whoever adopted them) do not count: they hold no port and no file.
 */
async function groupAlive(pgid: number): Promise<boolean> {
  if (!groupExists(pgid)) return false;
  if (process.platform !== "linux") return true;
  let pids: string[];
  try {
    pids = (await readdir("/proc")).filter((name) => /^\d+$/.test(name));
  } catch {
    return true;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = await readFile(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z") return true;
  }
  return false;
}

/** Whether the group has any member at all, zombies included. */
function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits, at most `ms`, for the zombies of a dead group to be reaped by
 * whoever adopted them (init), so none is left in the process table.
 */
async function waitReaped(pgid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (groupExists(pgid) && Date.now() < deadline) await sleep(50);
}

/** Waits, at most `ms`, for the group to have no live process left. */
async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await groupAlive(pgid))) return true;
    await sleep(50);
  }
  return !(await groupAlive(pgid));
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolveExit(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolveExit(true);
    };
    child.once("exit", onExit);
  });
}

/** Starts `wrangler dev` on a free loopback port and waits until the lobby answers. */
export async function startDev(options: DevOptions = {}): Promise<DevServer> {
  const ownsPersistDir = options.persistDir === undefined;
  const persistDir = options.persistDir ?? (await mkdtemp(join(tmpdir(), "chaton-e2e-")));
  // Miniflare's own temporary files go here, so a killed server leaves none behind in /tmp.
  const scratchDir = await mkdtemp(join(tmpdir(), "chaton-e2e-scratch-"));
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const args = [
    "dev",
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--persist-to", persistDir,
    "--show-interactive-dev-session=false",
    "--log-level", "warn",
  ];
  // Tests post from one address far faster than a person: lift the per-address limit unless a test sets it.
  const vars = { POSTS_PER_MINUTE: "100000", ...options.vars };
  for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`);

  const bin = join(PROJECT_ROOT, "node_modules", ".bin");
  const child = spawn(join(bin, "wrangler"), args, {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      CI: "true",
      WRANGLER_SEND_METRICS: "false",
      // Keep everything on loopback: no Request.cf download, no banner (and its update check).
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_HIDE_BANNER: "true",
      PATH: `${bin}${delimiter}${process.env["PATH"] ?? ""}`,
      TMPDIR: scratchDir,
    },
  });
  const pgid = child.pid;
  if (pgid === undefined) {
    await rm(scratchDir, { recursive: true, force: true });
    if (ownsPersistDir) await rm(persistDir, { recursive: true, force: true });
    throw new Error("wrangler dev could not be spawned");
  }
  installExitHook();
  liveGroups.add(pgid);

  let output = "";
  const capture = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on("data", capture);
  child.stderr?.on("data", capture);
  const failure: { error: Error | null } = { error: null };
  child.on("error", (error) => {
    failure.error = error;
  });

  let ending: Promise<void> | null = null;
  /** Stops the group once; a later call waits for the same ending. */
  const end = (graceful: boolean): Promise<void> => (ending ??= terminate(graceful));
  const terminate = async (graceful: boolean): Promise<void> => {
    if (graceful) {
      signalGroup(pgid, "SIGTERM");
      if (await waitGroupGone(pgid, STOP_GRACE_MS)) {
        await waitExit(child, EXIT_WAIT_MS);
        liveGroups.delete(pgid);
        await waitReaped(pgid, REAP_WAIT_MS);
        await rm(scratchDir, { recursive: true, force: true });
        if (ownsPersistDir) await rm(persistDir, { recursive: true, force: true });
        return;
      }
    }
    signalGroup(pgid, "SIGKILL");
    const gone = await waitGroupGone(pgid, EXIT_WAIT_MS);
    await waitExit(child, EXIT_WAIT_MS);
    child.stdout?.destroy();
    child.stderr?.destroy();
    if (!gone) throw new Error(`wrangler dev process group ${pgid} survived SIGKILL\n${output}`);
    liveGroups.delete(pgid);
    await waitReaped(pgid, REAP_WAIT_MS);
    await rm(scratchDir, { recursive: true, force: true });
    if (graceful && ownsPersistDir) await rm(persistDir, { recursive: true, force: true });
  };

  const server: DevServer = {
    url,
    persistDir,
    stop: () => end(true),
    kill: () => end(false),
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastProblem = "no answer yet";
  while (Date.now() < deadline) {
    if (failure.error !== null || child.exitCode !== null || child.signalCode !== null) {
      await end(false);
      if (ownsPersistDir) await rm(persistDir, { recursive: true, force: true });
      const how = failure.error ?? `exit code ${child.exitCode}, signal ${child.signalCode}`;
      throw new Error(`wrangler dev ended before it was ready (${how})\n--- output tail ---\n${output}`);
    }
    try {
      const res = await fetch(`${url}/lobby/var/seq`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return server;
      lastProblem = `status ${res.status}`;
    } catch (error) {
      lastProblem = String(error);
    }
    await sleep(READY_POLL_MS);
  }
  await end(false);
  if (ownsPersistDir) await rm(persistDir, { recursive: true, force: true });
  throw new Error(
    `wrangler dev was not ready at ${url} within ${READY_TIMEOUT_MS} ms (${lastProblem})\n--- output tail ---\n${output}`,
  );
}
