/**
 * The import benchmark: generates an original room's data directory of
 * 100,000 entries over 300 days, imports it into a room under `wrangler dev`
 * with `npm run import`, and reports entries per second and the peak memory
 * of the tool and of workerd.
 *
 *   npx tsx bench/import.ts [--entries 100000] [--days 300] [--batch-entries 5000]
 *
 * Memory is each process's peak resident set (VmHWM in /proc), the largest of
 * the tool's processes (tsx runs the tool in a child) and the sum over
 * workerd's processes, sampled every 100 ms.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startOfDay } from "../src/protocol/day";
import { writeLargeRoom } from "../test/support/original-room";
import { PROJECT_ROOT, startDev } from "../test/support/wrangler-dev";

const { values } = parseArgs({
  options: {
    entries: { type: "string", default: "100000" },
    days: { type: "string", default: "300" },
    "batch-entries": { type: "string", default: "5000" },
  },
});
const entries = Number(values.entries);
const days = Number(values.days);
const TOKEN = "bench-import-token";

/** Processes of a process group, with their command name and peak and current RSS in kB. */
async function groupProcesses(pgid: number): Promise<{ pid: number; comm: string; hwm: number }[]> {
  const out = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      const status = await readFile(`/proc/${name}/status`, "utf8");
      const hwm = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      out.push({ pid: Number(name), comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), hwm });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function devGroup(port: string): Promise<number> {
  // The dev server's group: the one whose workerd listens for it; found as the group of a workerd process started after ours.
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = (await readFile(`/proc/${name}/cmdline`, "utf8")).split("\0");
      if (cmdline.some((arg) => arg.endsWith("wrangler") || arg.includes("wrangler-dist")) && cmdline.includes(port)) {
        const stat = await readFile(`/proc/${name}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      }
    } catch {
      // gone meanwhile
    }
  }
  throw new Error("cannot find wrangler dev's process group");
}

const work = await mkdtemp(join(tmpdir(), "chaton-bench-import-"));
const dev = await startDev({
  vars: {
    ADMIN_TOKEN: TOKEN,
    ROOMS: JSON.stringify([
      { name: "lobby", title: "Lobby" },
      { name: "imported", title: "Imported" },
    ]),
  },
});
try {
  const dir = join(work, "original");
  const generatedAt = Date.now();
  await writeLargeRoom(dir, startOfDay(Math.floor(Date.now() / 1000)), days, entries);
  console.error(`generated ${entries} entries over ${days} days in ${((Date.now() - generatedAt) / 1000).toFixed(1)} s`);

  const workerdGroup = await devGroup(new URL(dev.url).port);
  const workerdBefore = (await groupProcesses(workerdGroup)).filter((p) => p.comm.startsWith("workerd")).reduce((sum, p) => sum + p.hwm, 0);
  const started = Date.now();
  const child = spawn(
    join(PROJECT_ROOT, "node_modules", ".bin", "tsx"),
    [join(PROJECT_ROOT, "scripts", "import.ts"), "--url", dev.url, "--room", "imported", "--batch-entries", values["batch-entries"], dir],
    {
      env: { ...process.env, CHATON_ADMIN_TOKEN: TOKEN },
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
    },
  );
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  let toolPeak = 0;
  let workerdPeak = 0;
  let running = true;
  void exited.then(() => (running = false));
  while (running) {
    const tool = await groupProcesses(child.pid!);
    toolPeak = Math.max(toolPeak, ...tool.map((p) => p.hwm));
    const workerd = (await groupProcesses(workerdGroup)).filter((p) => p.comm.startsWith("workerd"));
    workerdPeak = Math.max(
      workerdPeak,
      workerd.reduce((sum, p) => sum + p.hwm, 0),
    );
    await new Promise((r) => setTimeout(r, 100));
  }
  const code = await exited;
  const seconds = (Date.now() - started) / 1000;
  if (code !== 0) throw new Error(`the import failed (exit ${code}): ${stdout}`);
  const mb = (kb: number) => (kb / 1024).toFixed(0);
  console.log(stdout.trim());
  console.log(
    [
      `Import benchmark, ${new Date().toISOString()}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      `entries  days  batch  seconds  entries/s  tool peak RSS MB  workerd peak RSS MB (before)`,
      `${String(entries).padStart(7)}  ${String(days).padStart(4)}  ${values["batch-entries"]!.padStart(5)}  ${seconds.toFixed(1).padStart(7)}  ${String(Math.round(entries / seconds)).padStart(9)}  ${mb(toolPeak).padStart(16)}  ${`${mb(workerdPeak)} (${mb(workerdBefore)})`.padStart(27)}`,
    ].join("\n"),
  );
} finally {
  await dev.stop();
  await rm(work, { recursive: true, force: true });
}
