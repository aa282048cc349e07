#!/usr/bin/env node
// Paired comparison of builds: the CPU a post costs each of several servers
// (versions of the project, the floor), all running at once and posted to in
// turn, so that whatever else the machine does falls on all of them alike.
// A difference of a tenth of a millisecond a post, which the rounds of
// `npm run bench` (one server after the other) cannot tell from the machine's
// drift, shows here in a few minutes. See bench/README.md, "Comparing builds".
//
//   npm run bench:compare -- [options] LABEL=SOURCE LABEL=SOURCE ...
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { FORM, httpRequest, median, newAgent, percentile, sleep } from "./lib/load.mjs";
import { floorTree, killAllNow, OURS_VARS, PROJECT_ROOT, snapshot, startServer } from "./lib/servers.mjs";

const HELP = `Usage: npm run bench:compare -- [options] LABEL=SOURCE LABEL=SOURCE ...

SOURCE is "floor" (the floor that stores each post, with the static assets directory), "." (the project as it
is now, uncommitted edits included), a directory holding a copy of the project (an experiment), or a git
commit (its tree); the last two run with this checkout's node_modules. The first server is the baseline:
every other is reported as its paired difference from it.

  --sockets N     page sockets (frames=html) on each server's room (default 20)
  --blocks B      blocks of posts (default 12); each block posts to every server in turn, the order reversed each post
  --posts P       posts per server in each block (default 100)
  --addresses K   people posting, from 127.0.0.1-K with nicks of their own (default 20)
  --rate R        posts a second to each server, spread evenly over the servers; 0: each post as soon as the
                  one before is acknowledged (default 0)
  --help

Prints, per server, the median of its blocks' CPU per post (both workerd processes: wrangler dev's front proxy
and the Worker's runtime), of the posts' acknowledgement times, and its deliveries' p50 and p99 (from a post's
sending to each socket's frame); for each server after the first, the median of its per-block differences
from the first. Example:

  npm run bench:compare -- before=HEAD~1 after=. floor=floor`;

/** The server's workerd processes' CPU time, in ms: the figure a post's cost is read from. */
async function workerdCpuMs(server) {
  const { cpuMs } = await server.snapshot();
  return (cpuMs.proxy ?? 0) + (cpuMs.worker ?? 0);
}

/** The tree a source names, ready for `wrangler dev`. */
async function treeOf(label, source) {
  if (source === "floor") return floorTree(true, true);
  if (source === ".") return snapshot(PROJECT_ROOT, label, { linkModulesFrom: PROJECT_ROOT });
  if (existsSync(join(source, "wrangler.toml"))) return snapshot(resolve(source), label, { linkModulesFrom: PROJECT_ROOT });
  const exported = await mkdtemp(join(tmpdir(), `chaton-compare-${label}-`));
  try {
    execFileSync("sh", ["-c", 'git -C "$1" archive "$2" | tar -x -C "$3"', "sh", PROJECT_ROOT, source, exported]);
    return await snapshot(exported, label, { linkModulesFrom: PROJECT_ROOT });
  } finally {
    await rm(exported, { recursive: true, force: true });
  }
}

/** The text of post `i` of a block: its frame is found by it, whatever markup is around it. */
const textOf = (block, i) => `block ${block} post ${i}: a line of chat as people write it`;
const TEXT_TAG = /block (\d+) post (\d+):/;

/**
 * `n` page sockets on the server's room, counting the entries frames they
 * receive and the time from each post's sending (`sentAt`, by its block and
 * number) to each of its deliveries.
 */
async function listen(server, n, sentAt) {
  const sockets = [];
  const heard = { frames: 0, latencyMs: [] };
  for (let i = 0; i < n; i++) {
    // Without compression, as the load of `npm run bench` (bench/lib/load.mjs).
    const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/lobby/ws?p=0&frames=html`, { perMessageDeflate: false });
    ws.on("message", (data) => {
      const now = performance.now();
      const frame = JSON.parse(String(data));
      if (frame.type !== "entries") return;
      heard.frames++;
      const tag = TEXT_TAG.exec(frame.html);
      const sent = tag === null ? undefined : sentAt.get(`${tag[1]}:${tag[2]}`);
      if (sent !== undefined) heard.latencyMs.push(now - sent);
    });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    sockets.push(ws);
  }
  return { sockets, heard };
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      sockets: { type: "string", default: "20" },
      blocks: { type: "string", default: "12" },
      posts: { type: "string", default: "100" },
      addresses: { type: "string", default: "20" },
      rate: { type: "string", default: "0" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return console.log(HELP);
  const [sockets, blocks, posts, addresses] = ["sockets", "blocks", "posts", "addresses"].map((k) => Number(values[k]));
  if (![sockets, blocks, posts, addresses].every((x) => Number.isInteger(x) && x >= 0) || blocks < 1 || posts < 1 || addresses < 1 || addresses > 250) {
    throw new Error("--sockets, --blocks, --posts and --addresses take whole numbers (blocks, posts and addresses at least 1, addresses at most 250)");
  }
  const rate = Number(values.rate);
  if (!(rate >= 0 && rate <= 100)) throw new Error("--rate takes posts a second from 0 to 100");
  const specs = positionals.map((p) => {
    const eq = p.indexOf("=");
    if (eq <= 0 || eq === p.length - 1) throw new Error(`"${p}" is not LABEL=SOURCE`);
    return { label: p.slice(0, eq), source: p.slice(eq + 1) };
  });
  if (specs.length < 2) throw new Error("Name at least two servers: LABEL=SOURCE LABEL=SOURCE");

  const servers = [];
  for (const { label, source } of specs) {
    const cwd = await treeOf(label, source);
    const server = await startServer({ label, root: PROJECT_ROOT, cwd, vars: source === "floor" ? [] : OURS_VARS, cleanup: cwd });
    console.error(`started ${label} (${source}) at ${server.url}`);
    const sentAt = new Map();
    servers.push({ label, source, server, sentAt, ...(await listen(server, sockets, sentAt)), cpu: [], ackMs: [] });
  }
  const agent = newAgent(addresses);
  await sleep(1_000);
  /** Between two posts (to any server) at --rate; 0: none but a short pause. */
  const slotMs = rate > 0 ? 1000 / (rate * servers.length) : 0;
  for (let block = 0; block < blocks; block++) {
    const before = await Promise.all(servers.map((s) => workerdCpuMs(s.server)));
    const blockStart = performance.now();
    let slot = 0;
    for (let i = 0; i < posts; i++) {
      for (const s of (block + i) % 2 === 0 ? servers : [...servers].reverse()) {
        const person = i % addresses;
        await sleep(slotMs > 0 ? blockStart + slot++ * slotMs - performance.now() : 10);
        const t = performance.now();
        s.sentAt.set(`${block}:${i}`, t);
        const r = await httpRequest(agent, "POST", `${s.server.url}/lobby/post`, {
          body: `nick=bench${person}&text=${encodeURIComponent(textOf(block, i))}`,
          headers: { ...FORM, Accept: "application/json" },
          localAddress: `127.0.0.${1 + person}`,
        });
        if (r.status !== 200) throw new Error(`${s.label}: post answered ${r.status} ${r.text.slice(0, 200)}`);
        s.ackMs.push(performance.now() - t);
      }
    }
    // The last frames and the runtime's work after the last acknowledgement fall in this block.
    await sleep(300);
    const after = await Promise.all(servers.map((s) => workerdCpuMs(s.server)));
    servers.forEach((s, k) => s.cpu.push((after[k] - before[k]) / posts));
    console.error(`block ${block + 1} of ${blocks}: ${servers.map((s) => `${s.label} ${s.cpu.at(-1).toFixed(2)}`).join(", ")} ms a post`);
  }
  await sleep(500);
  const [base] = servers;
  console.log(`${sockets} page sockets on each, ${blocks} blocks of ${posts} posts to each; CPU per post of both workerd processes`);
  for (const s of servers) {
    const missing = posts * blocks * sockets - s.heard.frames;
    const paired =
      s === base
        ? ""
        : `  ${s.label} - ${base.label}: ${median(s.cpu.map((c, k) => c - base.cpu[k])).toFixed(2)} ms (x${(median(s.cpu) / median(base.cpu)).toFixed(3)})`;
    const cpu = `${median(s.cpu).toFixed(2)} ms a post (blocks ${Math.min(...s.cpu).toFixed(2)}-${Math.max(...s.cpu).toFixed(2)})`;
    const latency = [...s.heard.latencyMs].sort((a, b) => a - b);
    const delivery = latency.length === 0 ? "" : `, delivery p50 ${percentile(latency, 0.5).toFixed(2)} p99 ${percentile(latency, 0.99).toFixed(2)} ms`;
    console.log(
      `${s.label.padEnd(12)} ${cpu}, ack p50 ${median(s.ackMs).toFixed(2)} ms${delivery}${missing === 0 ? "" : `, ${missing} frames missing`}${paired}`,
    );
  }
  for (const s of servers) for (const ws of s.sockets) ws.terminate();
  await Promise.all(servers.map((s) => s.server.stop()));
}

main().catch((error) => {
  console.error(error);
  killAllNow();
  process.exit(1);
});
