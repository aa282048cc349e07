// Starts `wrangler dev` servers for the benchmark with the launcher the tests
// use (scripts/lib/dev-server.mjs: one process group each, never left behind),
// from a snapshot of the tree. Also reads what /proc says about a server's processes: resident memory and
// CPU time of each workerd (the front proxy of wrangler dev and the Worker's
// own runtime) and of wrangler's Node process.
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { groupMembers, PROJECT_ROOT, startDev } from "../../scripts/lib/dev-server.mjs";
import { BENCH_ADMIN_TOKEN } from "./search.mjs";

export { freePort, killAllNow, PROJECT_ROOT } from "../../scripts/lib/dev-server.mjs";

const FLOOR_DIR = join(PROJECT_ROOT, "bench", "floor");

/**
 * Vars the benchmarks give the project (run.mjs adds COMET_HOLD_SECONDS and
 * its --var ones): the post limits are lifted, since the benchmark's posts
 * come from a few loopback addresses (it measures fan-out, not the limiter);
 * the admin API is on for the search scenario, which fills its room through it.
 */
export const OURS_VARS = [
  ["POSTS_PER_MINUTE", "1000000"],
  ["CLIENT_POST_BURST", "1000000"],
  ["CLIENT_POSTS_PER_MINUTE", "1000000"],
  ["NEW_CLIENTS_PER_MINUTE", "1000000"],
  ["ADMIN_TOKEN", BENCH_ADMIN_TOKEN],
];

const READY_TIMEOUT_MS = 90_000;
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

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

/**
 * A snapshot of the floor; with `assets`, with a static assets directory like the project's, so its
 * requests pass the same router; with `durable`, storing every post before it tells anyone.
 */
export async function floorTree(assets, durable) {
  const dir = await snapshot(FLOOR_DIR, durable ? "floor-durable" : "floor", { skip: new Set([".wrangler"]) });
  if (assets) {
    await mkdir(join(dir, "static"));
    await writeFile(join(dir, "static", "floor.txt"), "The floor serves this file as a static asset.\n");
    await appendFile(join(dir, "wrangler.toml"), '\n[assets]\ndirectory = "./static"\n');
  }
  if (durable) await appendFile(join(dir, "wrangler.toml"), '\n[vars]\nFLOOR_DURABLE = "1"\n');
  return dir;
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

/**
 * Starts `wrangler dev` in `cwd` (its wrangler.toml) on a free loopback port,
 * with wrangler from `root`/node_modules, and waits until GET
 * /lobby/var/stats answers 200. `vars` is a list of [key, value]; `cleanup` a
 * directory to remove once the server has stopped, if any; `logLevel` and
 * `onOutput` as for the launcher (the rooms' lines with "log").
 */
export async function startServer({ label, root, cwd, vars = [], cleanup = null, logLevel = undefined, onOutput = undefined }) {
  const dev = await startDev({
    logLevel,
    onOutput,
    label: `bench-${label}`,
    cwd,
    root,
    vars: Object.fromEntries(vars),
    readyPath: "/lobby/var/stats",
    readyTimeoutMs: READY_TIMEOUT_MS,
    cleanup: cleanup === null ? [] : [cleanup],
  });
  const { port, pgid } = dev;

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

  return {
    ...dev,
    label,
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
}
