// Runs `wrangler dev` (workerd, local Durable Objects with SQLite persisted to
// a directory) on loopback, for the end-to-end tests and the benchmark alike.
//
// Each server runs in its own process group (spawned detached), and stopping
// it signals the whole group, so no workerd child outlives it; an exit hook
// SIGKILLs every group still alive, whatever ends this process. Every wait is
// bounded in time.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root: two levels up from scripts/lib/. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const READY_POLL_MS = 150;
const STOP_GRACE_MS = 4_000;
const EXIT_WAIT_MS = 5_000;
const REAP_WAIT_MS = 3_000;
const OUTPUT_TAIL_CHARS = 8_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port that was free a moment ago: bind port 0 on loopback, read the port, release it. */
export function freePort() {
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

/** Process groups started here and not yet known to be gone. */
const liveGroups = new Set();
process.on("exit", () => {
  for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
});

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Kills every server at once: for a second Ctrl-C, or a crash. */
export function killAllNow() {
  for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
}

/**
 * The processes of a group that still run (zombies, exited and not yet
 * reaped, hold no port and no file and do not count): { pid, comm, ticks }
 * with ticks the CPU time from /proc (user + system, in clock ticks).
 */
export async function groupMembers(pgid) {
  let names;
  try {
    names = await readdir("/proc");
  } catch {
    return [];
  }
  const members = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = await readFile(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ... utime(14) stime(15); comm may hold spaces and parentheses.
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    if (Number(fields[2]) !== pgid || fields[0] === "Z") continue;
    members.push({ pid: Number(name), comm: stat.slice(stat.indexOf("(") + 1, close), ticks: Number(fields[11]) + Number(fields[12]) });
  }
  return members;
}

/** Whether the group has any member at all, zombies included. */
function groupExists(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGroupGone(pgid, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await groupMembers(pgid)).length === 0) return true;
    await sleep(50);
  }
  return (await groupMembers(pgid)).length === 0;
}

/** Waits, at most `ms`, for whoever adopted the dead group's zombies to reap them. */
async function waitReaped(pgid, ms) {
  const deadline = Date.now() + ms;
  while (groupExists(pgid) && Date.now() < deadline) await sleep(50);
}

function waitExit(child, ms) {
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

/**
 * Starts `wrangler dev` for the wrangler.toml in `cwd` on loopback and waits
 * until `readyPath` answers 200.
 *
 * Options: cwd (default the project), root (where node_modules/.bin holds
 * wrangler; default cwd), persistDir (reuse it, as after a crash; default a
 * fresh one, removed when the server stops gracefully), port (default a free
 * one), vars ({ KEY: value } passed as --var), label, readyPath, readyTimeoutMs,
 * logLevel (wrangler's --log-level; default warn, which hides the rooms' info lines: "log" shows them),
 * onOutput (called with each chunk the server prints),
 * cleanup (more directories to remove once stopped).
 *
 * The server: { label, url, port, inspectorPort, persistDir, pgid, cwd, root, output(),
 * alive(), stop() (SIGTERM to the group, SIGKILL after a grace period),
 * kill() (SIGKILL at once, as a crash would; persistDir stays) }.
 */
export async function startDev(options = {}) {
  const cwd = options.cwd ?? PROJECT_ROOT;
  const root = options.root ?? cwd;
  const label = options.label ?? "dev";
  const ownsPersistDir = options.persistDir === undefined;
  const persistDir = options.persistDir ?? (await mkdtemp(join(tmpdir(), `chaton-${label}-`)));
  // Miniflare's own temporary files go here, so a killed server leaves none behind in /tmp.
  const scratchDir = await mkdtemp(join(tmpdir(), `chaton-${label}-scratch-`));
  const cleanup = [scratchDir, ...(options.cleanup ?? [])];
  const removeDirs = async (withPersistDir) => {
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
    if (withPersistDir && ownsPersistDir) await rm(persistDir, { recursive: true, force: true });
  };
  const port = options.port ?? (await freePort());
  // An explicit inspector port: left to itself, wrangler probes 9229, and two servers starting at once may pick the same.
  const inspectorPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-ip",
    "127.0.0.1",
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistDir,
    "--show-interactive-dev-session=false",
    "--log-level",
    options.logLevel ?? "warn",
  ];
  for (const [key, value] of Object.entries(options.vars ?? {})) args.push("--var", `${key}:${value}`);

  const bin = join(root, "node_modules", ".bin");
  const child = spawn(join(bin, "wrangler"), args, {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      CI: "true",
      WRANGLER_SEND_METRICS: "false",
      // Keep everything on loopback: no Request.cf download, no banner (and its update check).
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_HIDE_BANNER: "true",
      // wrangler dev needs Node 22: the npm package `node` puts it in node_modules/.bin.
      PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`,
      TMPDIR: scratchDir,
    },
  });
  const pgid = child.pid;
  if (pgid === undefined) {
    await removeDirs(true);
    throw new Error(`${label}: wrangler dev could not be spawned`);
  }
  liveGroups.add(pgid);

  let output = "";
  const capture = (chunk) => {
    output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
    options.onOutput?.(chunk.toString("utf8"));
  };
  child.stdout.on("data", capture);
  child.stderr.on("data", capture);
  let spawnError = null;
  child.on("error", (error) => {
    spawnError = error;
  });

  let ending = null;
  const terminate = async (graceful) => {
    if (graceful) {
      signalGroup(pgid, "SIGTERM");
      if (!(await waitGroupGone(pgid, STOP_GRACE_MS))) signalGroup(pgid, "SIGKILL");
    } else {
      signalGroup(pgid, "SIGKILL");
    }
    const gone = await waitGroupGone(pgid, EXIT_WAIT_MS);
    await waitExit(child, EXIT_WAIT_MS);
    child.stdout.destroy();
    child.stderr.destroy();
    if (!gone) throw new Error(`${label}: process group ${pgid} survived SIGKILL\n${output}`);
    liveGroups.delete(pgid);
    await waitReaped(pgid, REAP_WAIT_MS);
    await removeDirs(graceful);
  };

  const server = {
    label,
    url,
    port,
    inspectorPort,
    persistDir,
    pgid,
    cwd,
    root,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: () => (ending ??= terminate(true)),
    kill: () => (ending ??= terminate(false)),
  };

  const readyPath = options.readyPath ?? "/lobby/var/seq";
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  let lastProblem = "no answer yet";
  while (Date.now() < deadline) {
    if (spawnError !== null || !server.alive()) {
      await server.kill().catch(() => {});
      await removeDirs(true);
      throw new Error(
        `${label}: wrangler dev ended before it was ready (${spawnError ?? `exit code ${child.exitCode}, signal ${child.signalCode}`})\n--- output tail ---\n${output}`,
      );
    }
    try {
      const res = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return server;
      lastProblem = `status ${res.status}`;
    } catch (error) {
      lastProblem = String(error);
    }
    await sleep(READY_POLL_MS);
  }
  await server.kill().catch(() => {});
  await removeDirs(true);
  throw new Error(`${label}: wrangler dev was not ready at ${url} within the time allowed (${lastProblem})\n--- output tail ---\n${output}`);
}
