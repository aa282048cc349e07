// Starts `wrangler dev` servers for the benchmark, each in its own process
// group, and stops them: SIGTERM to the group, SIGKILL after a grace period.
// Whatever happens (an error, SIGINT, a plain exit), no group is left behind:
// an exit hook SIGKILLs every group still known to be alive.
//
// Also reads what /proc says about a server's processes: resident memory and
// CPU time of each workerd (the front proxy of wrangler dev and the Worker's
// own runtime) and of wrangler's Node process.
import { spawn } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

const READY_TIMEOUT_MS = 90_000;
const READY_POLL_MS = 200;
const STOP_GRACE_MS = 5_000;
const KILL_WAIT_MS = 5_000;
const OUTPUT_TAIL_CHARS = 8_000;
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Top-level names of the project not copied into a snapshot (node_modules is linked instead). */
const NOT_SNAPSHOT = new Set(["node_modules", ".git", ".wrangler", "bench", "docs", "test", "test-results", "dist"]);

/**
 * Copies the project as it is now (uncommitted edits included) into a
 * temporary directory, with node_modules linked, so that `wrangler dev`,
 * which watches its sources and config and reloads on any change, runs one
 * fixed tree for the whole benchmark and writes nothing into the project.
 * `from` is the project root, or a folder (the floor) copied alone.
 */
export async function snapshot(from, label, { linkModulesFrom = null, skip = NOT_SNAPSHOT } = {}) {
  const dir = await mkdtemp(join(tmpdir(), `chaton-bench-${label}-tree-`));
  const names = await readdir(from);
  for (const name of names) {
    if (skip.has(name)) continue;
    await cp(join(from, name), join(dir, name), { recursive: true, verbatimSymlinks: true });
  }
  if (linkModulesFrom !== null) await symlink(join(linkModulesFrom, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
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
    // ESRCH: already gone.
  }
}

/** Kills every group at once; for a second SIGINT or a crash. */
export function killAllNow() {
  for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** The processes of a group that are not zombies: { pid, comm, state, ticks, rssKb }. */
async function groupMembers(pgid) {
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
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    // Fields after "(comm) ": state(3) ppid(4) pgrp(5) ... utime(14) stime(15); index = field - 3.
    const f = stat.slice(close + 2).split(" ");
    if (Number(f[2]) !== pgid || f[0] === "Z") continue;
    members.push({ pid: Number(name), comm, ticks: Number(f[11]) + Number(f[12]) });
  }
  return members;
}

async function rssKb(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function openFiles(pid) {
  try {
    return (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    return 0;
  }
}

async function fileLimit(pid) {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(await readFile(`/proc/${pid}/limits`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function groupAlive(pgid) {
  return (await groupMembers(pgid)).length > 0;
}

async function waitGroupGone(pgid, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await groupAlive(pgid))) return true;
    await sleep(50);
  }
  return !(await groupAlive(pgid));
}

/**
 * Starts `wrangler dev` in `cwd` (its wrangler.toml) on a free loopback port,
 * with wrangler from `root`/node_modules, and waits until GET
 * /lobby/var/stats answers 200. `cleanup` is a directory to remove once the
 * server has stopped, if any.
 */
export async function startServer({ label, root, cwd, vars = [], cleanup = null }) {
  const dirs = [cleanup];
  const removeDirs = async () => {
    for (const dir of dirs) if (dir !== null) await rm(dir, { recursive: true, force: true });
  };
  let child, port, persistDir, inspectorPort;
  try {
    persistDir = await mkdtemp(join(tmpdir(), `chaton-bench-${label}-`));
    dirs.push(persistDir);
    const scratchDir = await mkdtemp(join(tmpdir(), `chaton-bench-${label}-scratch-`));
    dirs.push(scratchDir);
    port = await freePort();
    // An explicit inspector port: left to itself, wrangler probes 9229 and two servers starting at once may pick the same.
    inspectorPort = await freePort();
    const args = [
      "dev",
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-ip", "127.0.0.1",
      "--inspector-port", String(inspectorPort),
      "--persist-to", persistDir,
      "--show-interactive-dev-session=false",
      "--log-level", "warn",
    ];
    for (const [key, value] of vars) args.push("--var", `${key}:${value}`);
    const bin = join(root, "node_modules", ".bin");
    child = spawn(join(bin, "wrangler"), args, {
      cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        CI: "true",
        WRANGLER_SEND_METRICS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        WRANGLER_HIDE_BANNER: "true",
        // wrangler dev needs Node 22: the npm package `node` puts it in node_modules/.bin.
        PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`,
        // Miniflare's temporary files go here, removed with the server.
        TMPDIR: scratchDir,
      },
    });
    if (child.pid === undefined) throw new Error(`${label}: wrangler dev could not be spawned`);
  } catch (error) {
    await removeDirs();
    throw error;
  }
  const pgid = child.pid;
  const url = `http://127.0.0.1:${port}`;
  liveGroups.add(pgid);

  let output = "";
  const capture = (chunk) => {
    output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on("data", capture);
  child.stderr.on("data", capture);
  let spawnError = null;
  child.on("error", (error) => {
    spawnError = error;
  });

  let ending = null;
  const terminate = async () => {
    signalGroup(pgid, "SIGTERM");
    if (!(await waitGroupGone(pgid, STOP_GRACE_MS))) {
      signalGroup(pgid, "SIGKILL");
      await waitGroupGone(pgid, KILL_WAIT_MS);
    }
    const gone = !(await groupAlive(pgid));
    if (gone) liveGroups.delete(pgid);
    child.stdout.destroy();
    child.stderr.destroy();
    await removeDirs();
    if (!gone) throw new Error(`${label}: process group ${pgid} survived SIGKILL`);
  };

  /** Roles of a group's processes: the workerd that listens on our port is wrangler's front proxy. */
  const roles = new Map();
  async function roleOf(member) {
    let role = roles.get(member.pid);
    if (role !== undefined) return role;
    if (member.comm === "workerd") {
      let cmdline = "";
      try {
        cmdline = (await readFile(`/proc/${member.pid}/cmdline`, "utf8")).replaceAll("\0", " ");
      } catch {}
      role = cmdline.includes(`entry=127.0.0.1:${port} `) ? "proxy" : "worker";
    } else if (member.comm === "node" || member.comm.startsWith("node")) {
      role = "wrangler";
    } else {
      role = "other";
    }
    roles.set(member.pid, role);
    return role;
  }

  const server = {
    label,
    url,
    port,
    inspectorPort,
    cwd,
    root,
    pgid,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: () => (ending ??= terminate()),
    /**
     * Resident memory (kB), CPU time (ms) and open files (workerd only) by role: proxy (wrangler dev's
     * front workerd), worker (the workerd running the Worker and its Durable
     * Object), wrangler (Node), other.
     */
    async snapshot() {
      const out = { at: performance.now(), rssKb: {}, cpuMs: {}, fds: {}, fdLimit: null, workerdProcesses: 0 };
      for (const member of await groupMembers(pgid)) {
        const role = await roleOf(member);
        if (member.comm === "workerd") {
          out.workerdProcesses++;
          out.fds[role] = (out.fds[role] ?? 0) + (await openFiles(member.pid));
          out.fdLimit ??= await fileLimit(member.pid);
        }
        out.rssKb[role] = (out.rssKb[role] ?? 0) + (await rssKb(member.pid));
        out.cpuMs[role] = (out.cpuMs[role] ?? 0) + (member.ticks * 1000) / TICKS_PER_SECOND;
      }
      return out;
    },
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastProblem = "no answer yet";
  while (Date.now() < deadline) {
    if (spawnError !== null || !server.alive()) {
      await server.stop().catch(() => {});
      throw new Error(`${label}: wrangler dev ended before it was ready (${spawnError ?? `exit ${child.exitCode}`})\n${output}`);
    }
    try {
      const res = await fetch(`${url}/lobby/var/stats`, { signal: AbortSignal.timeout(3_000) });
      await res.arrayBuffer();
      if (res.status === 200) return server;
      lastProblem = `status ${res.status}`;
    } catch (error) {
      lastProblem = String(error);
    }
    await sleep(READY_POLL_MS);
  }
  await server.stop().catch(() => {});
  throw new Error(`${label}: not ready at ${url} within ${READY_TIMEOUT_MS} ms (${lastProblem})\n${output}`);
}
