#!/usr/bin/env node
// Chaton benchmark: starts the project and the floor (bench/floor/) under
// `wrangler dev` on loopback, runs the scenarios against each, stops
// everything it started, and prints a table and one "BENCH {json}" line per
// scenario. See bench/README.md.
//
//   npm run bench -- [options]        npm run bench:smoke
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { cp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { control, FRAME_KINDS, longpollFanout, postThroughput, sleep, statusPolling, wsFanout } from "./lib/load.mjs";
import { COST_ROOMS, roomCost } from "./lib/cost.mjs";
import { cpuPerKind } from "./lib/cpu.mjs";
import { postParts } from "./lib/parts.mjs";
import { FILES_PER_SOCKET, ONE_OBJECT_LIMIT, RELAYS_ROOM, relaysComparison, relaysReport, relaysRooms, relaysRun } from "./lib/relays.mjs";
import { archiveRendering } from "./lib/render.mjs";
import { BENCH_ADMIN_TOKEN, searchBench } from "./lib/search.mjs";
import { markdownReport, printReport } from "./lib/report.mjs";
import { floorTree, killAllNow, OURS_VARS, snapshot, startServer } from "./lib/servers.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ALL_SCENARIOS = ["longpoll", "ws", "small", "frames", "post", "parts", "status", "render", "search", "cost", "cpu", "relays"];
/** What runs without --scenarios: all but relays, whose thousands of sockets ask for minutes and open files of their own. */
const DEFAULT_SCENARIOS = ALL_SCENARIOS.filter((s) => s !== "relays");

const DEFAULTS = {
  scenarios: DEFAULT_SCENARIOS.join(","),
  longpoll: "100:2,1000:0.5,2000:0.25",
  // 4,500, not 5,000: under wrangler dev each socket holds 4 files open in the front proxy, and
  // with the usual limit of 20,000 open files the proxy starts failing connections near 4,900.
  ws: "500:20,2000:2,4500:1",
  // Small rooms talking steadily: page sockets (frames=html), 5 posts a second from 20 people, a minute of it.
  small: "20:5:300,200:5:300",
  "small-addresses": "20",
  // What the ws and post runs' sockets ask for: API clients' entries, like for like with the floor.
  frames: "entries",
  // The frames run: sockets of every kind (the page's HTML, API clients' entries, both), its bytes per entry.
  "frames-run": "150:5:20",
  post: "8:500",
  status: "1000:50",
  "status-spread": "2",
  render: "5000",
  "render-runs": "30",
  search: "200000",
  "search-runs": "30",
  cost: Object.keys(COST_ROOMS).join(","),
  "cost-seconds": "120",
  parts: "5:10",
  // Sockets, listeners_per_object of the relays run, posts: 8,000 sockets are 8 relays of 1,000 (the room, spread, keeps none).
  relays: "8000:1000:60",
  "relays-rate": "2",
  "relays-via": "direct",
  duration: "10",
  drain: "10",
  settle: "3.5",
  "max-posts": "5000",
  hold: "25",
  servers: "ours,floor",
  repeat: "1",
};
const SMOKE = {
  longpoll: "20:2",
  ws: "20:5",
  small: "5:5:10",
  "frames-run": "15:5:6",
  post: "2:10",
  status: "100:10",
  "status-spread": "1",
  render: "500",
  "render-runs": "5",
  search: "2000",
  "search-runs": "5",
  cost: "quiet",
  "cost-seconds": "6",
  parts: "1:3",
  relays: "40:10:4",
  duration: "2",
  drain: "3",
  settle: "0.5",
  "max-posts": "400",
};

const HELP = `Usage: npm run bench -- [options]     (npm run bench:smoke for a tiny run)

  --scenarios LIST     which to run, of ${ALL_SCENARIOS.join(",")} (default: all but relays)
  --longpoll SIZES     long-poll fan-out runs, n:posts-per-second[:messages], comma-separated
                       (default ${DEFAULTS.longpoll})
  --ws SIZES           WebSocket fan-out runs, same form (default ${DEFAULTS.ws})
  --small SIZES        small rooms at a steady pace: n page sockets (frames=html), n:posts-per-second[:messages],
                       the posts from --small-addresses people, against the floor that stores every post
                       (as with --floor-durable) (default ${DEFAULTS.small})
  --small-addresses K  how many people (addresses 127.0.0.1-K, nicks) post in the small runs (default ${DEFAULTS["small-addresses"]})
  --frames KINDS       what the sockets of the ws and post runs ask for, of ${FRAME_KINDS.join(",")}
                       (frames=entries: API clients; html: the page; both: no parameter); with
                       several, the sockets take them in turn (default ${DEFAULTS.frames})
  --frames-run SIZE    the frames run: n sockets taking html, entries and both in turn, n:rate[:messages];
                       reports bytes per delivered entry for each (default ${DEFAULTS["frames-run"]})
  --post P:L           posting throughput: P concurrent posters, L socket listeners, 0 or more (default ${DEFAULTS.post})
  --status R:C         status polling: R requests of var/status.js from C loops (default ${DEFAULTS.status})
  --status-spread S    spread those requests over about S seconds (default ${DEFAULTS["status-spread"]})
  --render N           archive rendering: a day of N entries (default ${DEFAULTS.render})
  --render-runs K      timed renders per renderer, at most (default ${DEFAULTS["render-runs"]})
  --parts R:S          the post path part by part: R rounds of S samples of each part (default ${DEFAULTS.parts})
  --search N           search: a room of N generated entries (default ${DEFAULTS.search})
  --search-runs K      timed runs of each query, each way (default ${DEFAULTS["search-runs"]})
  --cost ROOMS         what a room costs: rooms of ${Object.keys(COST_ROOMS).join(",")} (bench/lib/cost.mjs), each
                       measured for --cost-seconds on a server of its own (default ${DEFAULTS.cost})
  --cost-seconds S     the measured period of each cost room (default ${DEFAULTS["cost-seconds"]})
  --relays S:P:M       relays: S sockets (frames=entries) on one room, held by its one object, then spread with
                       listeners_per_object P (the room's P and relays of P each); M posts (default ${DEFAULTS.relays})
  --relays-rate R      posts a second in the relays runs (default ${DEFAULTS["relays-rate"]})
  --relays-via WAY     direct: the relays runs' sockets and requests go straight to the workerd that runs the Worker,
                       past wrangler dev's front proxy (${FILES_PER_SOCKET.proxy} open files per socket there); proxy: through it
                       (default ${DEFAULTS["relays-via"]})
  --duration S         seconds of posting per fan-out and posting run (default ${DEFAULTS.duration});
                       a fan-out run posts max(3, round(rate*S)) messages unless its size gives them
  --drain S            at most S seconds to wait for deliveries after the last post (default ${DEFAULTS.drain})
  --settle S           seconds to wait after sockets joined or long-poll requests were held, before posting (default ${DEFAULTS.settle})
  --max-posts N        cap on posts in the posting run (default ${DEFAULTS["max-posts"]})
  --hold S             COMET_HOLD_SECONDS given to the project (default ${DEFAULTS.hold})
  --servers LIST       ours,floor or just ours (default ${DEFAULTS.servers})
  --repeat K           run every fan-out and posting size K times, each on fresh servers, ours first and
                       the floor first in turn; the report adds the median of each ratio (default 1)
  --floor-assets       give the floor a static assets directory, as the project has: under wrangler dev
                       every request and socket then passes the assets router, for the floor as for ours
  --floor-durable      the floor stores each post in SQLite and awaits storage.sync() before it tells anyone (the
                       small runs always use this floor)
  --var KEY:VALUE      a var for the project's wrangler dev (repeatable); the bench already
                       gives COMET_HOLD_SECONDS (--hold) and ${OURS_VARS.map(([k, v]) => `${k}:${v}`).join(", ")}
  --reuse-servers      start each server once for the whole run, instead of fresh servers for
                       every scenario run (faster; memory figures then carry earlier runs' growth)
  --profile DIR        CPU-profile each server's Worker (and Durable Object) during every measured
                       window through wrangler's inspector; writes DIR/<run>.cpuprofile (open in
                       Chrome DevTools) and prints the top functions and source files. Profiling
                       slows the server: compare profiled runs only with each other
  --markdown FILE      also write the report (tables, date, command, machine) as a Markdown
                       fragment to FILE, for the README's Performance section
  --smoke              tiny sizes and short durations (n=10-20, 2 s), for CI
  --help`;

function fail(message) {
  console.error(`bench: ${message}\n\n${HELP}`);
  process.exit(2);
}

function parseOptions() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        ...Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, { type: "string" }])),
        smoke: { type: "boolean" },
        "reuse-servers": { type: "boolean" },
        "floor-assets": { type: "boolean" },
        "floor-durable": { type: "boolean" },
        profile: { type: "string" },
        markdown: { type: "string" },
        var: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    fail(error.message);
  }
  if (parsed.values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const o = { ...DEFAULTS, ...(parsed.values.smoke ? SMOKE : {}) };
  for (const [k, v] of Object.entries(parsed.values)) if (typeof v === "string") o[k] = v;
  const num = (k, min = 0) => {
    const x = Number(o[k]);
    if (!Number.isFinite(x) || x < min) fail(`--${k} must be a number >= ${min}`);
    return x;
  };
  const pair = (k, minB = 1) => {
    const [a, b] = o[k].split(":").map(Number);
    if (!(Number.isInteger(a) && a > 0 && Number.isInteger(b) && b >= minB)) fail(`--${k} must be A:B with integers, A > 0 and B >= ${minB}`);
    return [a, b];
  };
  const vars = new Map([["COMET_HOLD_SECONDS", String(num("hold", 1))], ...OURS_VARS]);
  for (const kv of parsed.values.var ?? []) {
    const i = kv.indexOf(":");
    if (i <= 0) fail(`--var must be KEY:VALUE, not "${kv}"`);
    vars.set(kv.slice(0, i), kv.slice(i + 1));
  }
  const duration = num("duration", 0.5);
  const sizes = (k) =>
    o[k]
      .split(",")
      .filter(Boolean)
      .map((spec) => {
        const [n, rate, messages] = spec.split(":").map(Number);
        if (!(Number.isInteger(n) && n > 0 && rate > 0 && rate <= 1000)) fail(`--${k}: bad size "${spec}" (want n:rate[:messages])`);
        if (messages !== undefined && !(Number.isInteger(messages) && messages > 0 && messages <= 100_000)) fail(`--${k}: bad message count in "${spec}"`);
        return { n, rate, messages: messages ?? Math.max(3, Math.round(rate * duration)) };
      });
  const scenarios = o.scenarios.split(",").filter(Boolean);
  for (const s of scenarios) if (!ALL_SCENARIOS.includes(s)) fail(`unknown scenario "${s}"`);
  const servers = o.servers.split(",").filter(Boolean);
  if (!servers.includes("ours") || servers.some((s) => s !== "ours" && s !== "floor")) fail("--servers must be ours or ours,floor");
  const [posters, postListeners] = pair("post", 0);
  const frames = o.frames.split(",").filter(Boolean);
  if (!frames.length || frames.some((k) => !FRAME_KINDS.includes(k))) fail(`--frames must list kinds of ${FRAME_KINDS.join(",")}`);
  const [statusRequests, statusLoops] = pair("status");
  const [partsRounds, partsSamples] = pair("parts");
  const [relaySockets, relayLimit, relayPosts] = o.relays.split(":").map(Number);
  if (!(Number.isInteger(relaySockets) && Number.isInteger(relayLimit) && Number.isInteger(relayPosts) && relayPosts > 0 && relayPosts <= 100_000))
    fail("--relays must be S:P:M, integers");
  if (!(relayLimit >= 1 && relaySockets > relayLimit && relaySockets <= ONE_OBJECT_LIMIT))
    fail(`--relays: want P >= 1 and P < S <= ${ONE_OBJECT_LIMIT} (the one-object run holds S in one object)`);
  if (!(o["relays-via"] in FILES_PER_SOCKET)) fail("--relays-via must be direct or proxy");
  return {
    smoke: Boolean(parsed.values.smoke),
    reuseServers: Boolean(parsed.values["reuse-servers"]),
    floorAssets: Boolean(parsed.values["floor-assets"]),
    floorDurable: Boolean(parsed.values["floor-durable"]),
    repeat: Math.floor(num("repeat", 1)),
    profileDir: parsed.values.profile ? resolve(parsed.values.profile) : null,
    markdown: parsed.values.markdown ? resolve(parsed.values.markdown) : null,
    scenarios,
    withFloor: servers.includes("floor"),
    longpoll: sizes("longpoll"),
    ws: sizes("ws"),
    small: sizes("small"),
    smallAddresses: Math.min(250, Math.floor(num("small-addresses", 1))),
    frames,
    framesRun: sizes("frames-run")[0] ?? fail("--frames-run needs a size"),
    post: { posters, listeners: postListeners },
    status: { requests: statusRequests, loops: statusLoops, spreadMs: num("status-spread") * 1000 },
    render: { entries: Math.floor(num("render", 1)), runs: Math.floor(num("render-runs", 1)) },
    parts: { rounds: partsRounds, samples: partsSamples },
    search: { entries: Math.floor(num("search", 1)), runs: Math.floor(num("search-runs", 1)) },
    relays: { sockets: relaySockets, perObject: relayLimit, messages: relayPosts, rate: num("relays-rate", 0.01), via: o["relays-via"] },
    cost: { rooms: costRooms(o.cost), seconds: num("cost-seconds", 1) },
    durationMs: duration * 1000,
    drainMs: num("drain") * 1000,
    settleMs: num("settle") * 1000,
    maxPosts: Math.floor(num("max-posts", 1)),
    hold: Number(vars.get("COMET_HOLD_SECONDS")) || 25,
    vars,
  };
}

function costRooms(list) {
  const rooms = list.split(",").filter(Boolean);
  for (const room of rooms) if (!(room in COST_ROOMS)) fail(`--cost: unknown room "${room}" (want ${Object.keys(COST_ROOMS).join(",")})`);
  return rooms;
}

/** STATUS_CACHE_SECONDS given with --var, else the project's wrangler.toml's. */
function statusCacheSeconds(vars) {
  if (vars.has("STATUS_CACHE_SECONDS")) return Number(vars.get("STATUS_CACHE_SECONDS"));
  try {
    const m = /^\s*STATUS_CACHE_SECONDS\s*=\s*"?(\d+)"?/m.exec(readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
    return m ? Number(m[1]) : 10;
  } catch {
    return 10;
  }
}

/** This process's limit of open files, which the servers inherit. */
function openFileLimit() {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The commit the project's tree is at, and whether it has changes outside bench/. */
function gitState() {
  const git = (...args) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    return { commit: git("rev-parse", "--short", "HEAD"), dirty: git("status", "--porcelain", "--", ".", ":(exclude)bench").length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** A snapshot of the project with bench/parts in it: the parts server runs from <tree>/bench/parts on the project's src/. */
async function partsTree() {
  const dir = await snapshot(ROOT, "parts", { linkModulesFrom: ROOT });
  await cp(join(ROOT, "bench", "parts"), join(dir, "bench", "parts"), { recursive: true, filter: (from) => !from.includes(".wrangler") });
  return dir;
}

const t0 = Date.now();
const log = (msg) => console.error(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);

async function main() {
  const opts = parseOptions();
  const meta = {
    date: new Date().toISOString(),
    command: ["npm", "run", "bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" "),
    node: process.version,
    cpus: cpus().length,
    mem_gb: Math.round(totalmem() / 2 ** 30),
    smoke: opts.smoke,
    profiled: opts.profileDir !== null,
    floor_assets: opts.floorAssets,
    floor_durable: opts.floorDurable,
    ...gitState(),
  };
  const results = [];
  let exitCode = 0;

  /** Snapshots of the trees the servers run (made once, removed at the end), and the servers running now. */
  const trees = {};
  const live = {};
  process.on("exit", () => {
    for (const dir of Object.values(trees)) rmSync(dir, { recursive: true, force: true });
  });
  const stopServers = async () => {
    const stopping = Object.entries(live).map(([label, server]) => {
      delete live[label];
      return server.stop().catch((error) => {
        log(`stopping ${label} failed: ${error.message}`);
        exitCode = 1;
      });
    });
    await Promise.all(stopping);
  };
  /** Whether the floor started next stores its posts: --floor-durable, or a scenario that always compares with that floor. */
  let floorDurable = opts.floorDurable;
  /** The tree a label's server runs now: the floor has two. */
  const treeOf = (label) => (label === "floor" && floorDurable ? "floor-durable" : label);
  /** Starts (in parallel) those of `labels` not running; with --reuse-servers, running ones of the right tree stay. */
  const startServers = async (labels) => {
    for (const label of labels) {
      const tree = treeOf(label);
      trees[tree] ??=
        label === "ours"
          ? await snapshot(ROOT, "ours", { linkModulesFrom: ROOT })
          : label === "parts"
            ? await partsTree()
            : await floorTree(opts.floorAssets, floorDurable);
    }
    const wanted = labels.filter((label) => live[label] === undefined || !live[label].alive() || live[label].tree !== treeOf(label));
    if (!wanted.length) return;
    const t = Date.now();
    const started = await Promise.allSettled(
      wanted.map(async (label) => {
        await live[label]?.stop().catch(() => {});
        delete live[label];
        const tree = treeOf(label);
        const cwd = label === "parts" ? join(trees[tree], "bench", "parts") : trees[tree];
        const options = { label, root: ROOT, cwd, vars: label === "ours" ? [...opts.vars] : [] };
        try {
          live[label] = await startServer(options);
        } catch (error) {
          // Ports are picked free but not held until wrangler binds them: another process may take one first.
          if (control.interrupted) throw error;
          log(`  ${label} did not start (${String(error.message).split("\n")[0]}); once more`);
          live[label] = await startServer(options);
        }
        live[label].tree = tree;
      }),
    );
    const failed = started.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    log(`  started ${wanted.map((l) => `${l} at ${live[l].url}`).join(", ")} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };
  /** Runs `body` with fresh servers for `labels` (or the running ones with --reuse-servers). */
  const withServers = async (labels, body) => {
    if (control.interrupted) return;
    await startServers(labels);
    try {
      await body();
    } finally {
      if (!opts.reuseServers) await stopServers();
    }
  };

  const finish = async () => {
    const any = Object.keys(live).length > 0;
    await stopServers();
    if (any) log("servers stopped");
    for (const [label, dir] of Object.entries(trees)) {
      await rm(dir, { recursive: true, force: true });
      delete trees[label];
    }
    try {
      // The relays scenario prints its own section (bench/lib/relays.mjs) after the others and their JSON lines.
      let text = printReport(
        results.filter((r) => r.scenario !== "relays"),
        meta,
      );
      for (const record of results.filter((r) => r.scenario === "relays")) {
        const section = relaysReport(record);
        console.log(`${section}\n`);
        console.log(
          `BENCH ${JSON.stringify({ date: meta.date, commit: meta.commit, dirty: meta.dirty, smoke: meta.smoke, profiled: meta.profiled, ...record })}`,
        );
        text += `\n${section}`;
      }
      if (opts.markdown) {
        await writeFile(opts.markdown, markdownReport(text, meta));
        log(`report written to ${opts.markdown}`);
      }
    } catch (error) {
      log(`report failed: ${error?.stack ?? error}`);
      for (const record of results) console.log(`BENCH ${JSON.stringify(record)}`);
      exitCode = 1;
    }
  };

  let signals = 0;
  const onSignal = (signal) => {
    signals++;
    if (signals > 1) {
      killAllNow();
      process.exit(130);
    }
    log(`${signal}: stopping (again to kill at once)`);
    control.interrupted = true;
    exitCode = 130;
    // Loops are bounded; if they still take too long, kill everything.
    setTimeout(() => {
      killAllNow();
      process.exit(130);
    }, 40_000).unref();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const profileFor = (name) => (opts.profileDir ? { dir: opts.profileDir, name } : null);
  const labels = opts.withFloor ? ["ours", "floor"] : ["ours"];
  /**
   * A fan-out scenario run against each server, --repeat times, each time on
   * fresh servers (unless --reuse-servers), ours first and the floor first in
   * turn, so that a change of load on the machine falls on both alike.
   * `runOne(label, server, name)` measures one server; `name` names its profile.
   */
  const fanoutRuns = async (base, runOne) => {
    for (let round = 1; round <= opts.repeat && !control.interrupted; round++) {
      const record = { ...base, ...(opts.repeat > 1 ? { round } : {}) };
      results.push(record);
      const order = round % 2 === 1 ? labels : [...labels].reverse();
      await withServers(labels, async () => {
        for (const label of order) {
          if (control.interrupted) break;
          const server = live[label];
          const out = (record[label] = {});
          await run(out, () => runOne(label, server, opts.repeat > 1 ? `${label}-${round}` : label), server);
          await sleep(500);
        }
      });
    }
  };
  const run = async (record, fn, server) => {
    if (control.interrupted) return;
    try {
      if (!server.alive()) throw new Error(`${server.label}: wrangler dev is gone\n${server.output()}`);
      Object.assign(record, await fn());
      if (control.interrupted) record.interrupted = true;
      // A run that went wrong carries what wrangler dev said last.
      if (record.errors || record.dropped || record.post_errors || record.lost) record.server_log_tail = server.output?.().slice(-3_000);
      if (!server.alive()) throw new Error(`${server.label}: wrangler dev exited during the run\n${server.output()}`);
    } catch (error) {
      record.error = String(error?.stack ?? error);
      exitCode = 1;
      log(`  failed: ${error?.message?.split("\n")[0] ?? error}`);
    }
  };

  try {
    if (opts.scenarios.includes("render")) {
      log(`render: a day of ${opts.render.entries} entries`);
      const record = { scenario: "render" };
      results.push(record);
      const budgetMs = opts.smoke ? 1_000 : 10_000;
      await run(record, () => archiveRendering({ root: ROOT, entries: opts.render.entries, runs: opts.render.runs, budgetMs }), { alive: () => true });
    }
    log(`servers run snapshots of the trees in ${tmpdir()}${opts.reuseServers ? "" : ", restarted for every scenario run"}`);

    for (const scenario of opts.scenarios) {
      if (control.interrupted) break;
      if (scenario === "longpoll" || scenario === "ws") {
        for (const size of opts[scenario]) {
          if (control.interrupted) break;
          const fdLimit = openFileLimit();
          if (scenario === "ws" && fdLimit !== null && size.n * 4 + 200 > fdLimit) {
            log(`  warning: ${size.n} sockets need about ${size.n * 4} open files in wrangler dev's proxy; the limit here is ${fdLimit}`);
          }
          await fanoutRuns(
            { scenario, n: size.n, rate: size.rate, messages: size.messages, ...(scenario === "ws" ? { frames: opts.frames.join(",") } : {}) },
            (label, server, name) => {
              log(`${scenario}: ${label}, n=${size.n}, ${size.rate} posts/s, ${size.messages} messages`);
              return scenario === "longpoll"
                ? longpollFanout(server, {
                    ...size,
                    drainMs: opts.drainMs,
                    settleMs: opts.settleMs,
                    holdSeconds: opts.hold,
                    log,
                    profile: profileFor(`longpoll-${size.n}-${name}`),
                  })
                : wsFanout(server, {
                    ...size,
                    frames: opts.frames,
                    drainMs: opts.drainMs,
                    settleMs: opts.settleMs,
                    profile: profileFor(`ws-${size.n}-${name}`),
                  });
            },
          );
        }
      } else if (scenario === "small") {
        floorDurable = true;
        for (const size of opts.small) {
          if (control.interrupted) break;
          await fanoutRuns(
            { scenario, n: size.n, rate: size.rate, messages: size.messages, frames: "html", addresses: opts.smallAddresses, floor: "durable" },
            (label, server, name) => {
              log(`small: ${label}, n=${size.n} page sockets, ${size.rate} posts/s from ${opts.smallAddresses} people, ${size.messages} messages`);
              return wsFanout(server, {
                ...size,
                frames: ["html"],
                addresses: opts.smallAddresses,
                drainMs: opts.drainMs,
                settleMs: opts.settleMs,
                profile: profileFor(`small-${size.n}-${name}`),
              });
            },
          );
        }
        floorDurable = opts.floorDurable;
      } else if (scenario === "frames") {
        const size = opts.framesRun;
        await fanoutRuns({ scenario, n: size.n, rate: size.rate, messages: size.messages, frames: "html,entries,both" }, (label, server, name) => {
          log(`frames: ${label}, n=${size.n} (html, entries, both in turn), ${size.rate} posts/s, ${size.messages} messages`);
          return wsFanout(server, {
            ...size,
            frames: ["html", "entries", "both"],
            drainMs: opts.drainMs,
            settleMs: opts.settleMs,
            profile: profileFor(`frames-${size.n}-${name}`),
          });
        });
      } else if (scenario === "post") {
        await fanoutRuns({ scenario, posters: opts.post.posters, listeners: opts.post.listeners, frames: opts.frames.join(",") }, (label, server, name) => {
          log(`post: ${label}, ${opts.post.posters} posters, ${opts.post.listeners} sockets, ${opts.durationMs / 1000} s`);
          return postThroughput(server, {
            ...opts.post,
            frames: opts.frames,
            durationMs: opts.durationMs,
            maxPosts: opts.maxPosts,
            drainMs: opts.drainMs,
            settleMs: opts.settleMs,
            profile: profileFor(`post-${opts.post.posters}x${opts.post.listeners}-${name}`),
          });
        });
      } else if (scenario === "parts") {
        const record = { scenario };
        results.push(record);
        await withServers(["parts"], async () => {
          log(`parts: the post path part by part, ${opts.parts.rounds} rounds of ${opts.parts.samples} samples`);
          const out = (record.ours = {});
          await run(out, () => postParts(live.parts, { ...opts.parts, log }), live.parts);
        });
      } else if (scenario === "search") {
        const record = { scenario };
        results.push(record);
        await withServers(["ours"], async () => {
          log(`search: ours, ${opts.search.entries} entries, ${opts.search.runs} runs of each query each way`);
          const out = (record.ours = {});
          await run(out, () => searchBench(live.ours, { ...opts.search, log }), live.ours);
        });
      } else if (scenario === "cost") {
        const record = { scenario, hold_s: opts.hold, rooms: [] };
        results.push(record);
        trees.ours ??= await snapshot(ROOT, "ours", { linkModulesFrom: ROOT });
        for (const name of opts.cost.rooms) {
          if (control.interrupted) break;
          log(`cost: ${name}, ${opts.cost.seconds} s`);
          const out = { room: name };
          record.rooms.push(out);
          // A server of its own, printing the rooms' lines: each room-started is a wake; each room-quiet ends a time held awake.
          const lines = { starts: [], awakeMs: [] };
          let pending = "";
          const server = await startServer({
            label: `ours-cost-${name}`,
            root: ROOT,
            cwd: trees.ours,
            vars: [...opts.vars],
            logLevel: "log",
            onOutput: (chunk) => {
              const printed = (pending + chunk).split("\n");
              pending = printed.pop() ?? "";
              for (const line of printed) {
                if (!line.includes('"room":"lobby"')) continue;
                if (line.includes('"event":"room-started"')) lines.starts.push(Date.now());
                else if (line.includes('"event":"room-quiet"')) lines.awakeMs.push(Number(/"awakeMs":(\d+)/.exec(line)?.[1] ?? 0));
              }
            },
          });
          try {
            await run(
              out,
              () => roomCost(server, lines, { name, room: COST_ROOMS[name], periodSeconds: opts.cost.seconds, holdSeconds: opts.hold, log }),
              server,
            );
          } finally {
            await server.stop();
          }
        }
      } else if (scenario === "cpu") {
        const record = { scenario };
        results.push(record);
        await withServers(["ours"], async () => {
          log("cpu: ours, each kind of request in turn");
          const out = (record.ours = {});
          await run(out, () => cpuPerKind(live.ours, { adminToken: BENCH_ADMIN_TOKEN, log, scale: opts.smoke ? 0.1 : 1 }), live.ours);
        });
      } else if (scenario === "relays") {
        const { sockets, perObject, messages, rate, via } = opts.relays;
        const record = { scenario, room: RELAYS_ROOM, sockets, per_object: perObject, messages, rate, via, frames: "entries" };
        results.push(record);
        // Every socket holds open files in the server (the Worker's workerd, and the front proxy when it passes there).
        const fdLimit = openFileLimit();
        const files = sockets * FILES_PER_SOCKET[via] + 300;
        if (fdLimit !== null && files > fdLimit) {
          record.error =
            `${sockets} sockets need about ${files} open files in ${via === "direct" ? "the workerd that runs the Worker" : "wrangler dev's front proxy"}, ` +
            `and the limit here is ${fdLimit} (ulimit -n)${via === "proxy" ? ": --relays-via direct needs half" : ""}`;
          log(`relays: ${record.error}`);
          exitCode = 1;
          continue;
        }
        trees.ours ??= await snapshot(ROOT, "ours", { linkModulesFrom: ROOT });
        // A server of its own for each run: the room holds its sockets itself, then spreads them over relays.
        for (const [label, limit] of [
          ["one", ONE_OBJECT_LIMIT],
          ["relays", perObject],
        ]) {
          if (control.interrupted) break;
          log(`relays: ${label === "one" ? "one object" : `relays of ${perObject}`}, ${sockets} sockets, ${messages} posts at ${rate}/s (${via})`);
          const out = (record[label] = {});
          const server = await startServer({
            label: `ours-relays-${label}`,
            root: ROOT,
            cwd: trees.ours,
            vars: [...opts.vars, ["ROOMS", JSON.stringify(relaysRooms(limit))]],
          });
          try {
            await run(
              out,
              () =>
                relaysRun(server, {
                  sockets,
                  perObject: limit,
                  messages,
                  rate,
                  via,
                  drainMs: opts.drainMs,
                  settleMs: opts.settleMs,
                  profile: profileFor(`relays-${sockets}-${label}`),
                  log,
                }),
              server,
            );
          } finally {
            await server.stop();
          }
        }
        record.comparison = relaysComparison(record);
      } else if (scenario === "status") {
        const cacheSeconds = statusCacheSeconds(opts.vars);
        const record = { scenario, cache_seconds: cacheSeconds };
        results.push(record);
        await withServers(["ours"], async () => {
          log(`status: ours, ${opts.status.requests} requests from ${opts.status.loops} loops over ~${opts.status.spreadMs / 1000} s`);
          const out = (record.ours = {});
          await run(out, () => statusPolling(live.ours, { ...opts.status, cacheSeconds, profile: profileFor("status-ours") }), live.ours);
        });
      }
    }
  } catch (error) {
    log(`error: ${error?.stack ?? error}`);
    exitCode = 1;
  } finally {
    await finish();
  }
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  // Everything this run opened is closed; exit now rather than wait on a stray handle.
  process.exit(exitCode);
}

process.on("unhandledRejection", (error) => {
  console.error("bench: unhandled rejection", error);
  killAllNow();
  process.exit(1);
});

await main();
