// CPU profiles of a server's Worker (and its Durable Object, which runs in
// the same isolate under wrangler dev) through wrangler's inspector port, for
// --profile: where the time of a scenario goes, by function and by source
// file (through the bundle's source map, when one is found).
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, normalize } from "node:path";
import WebSocket from "ws";
import { PARTS, partOfStack } from "./breakdown.mjs";

const CALL_TIMEOUT_MS = 30_000;
/** The most one sample counts for (see summarizeProfile). */
const MAX_SAMPLE_US = 10_000;
const SPECIAL = new Set(["(root)", "(program)", "(idle)", "(garbage collector)"]);

/** Connects to the server's inspector and starts the sampling profiler. */
export async function startProfile(server, { intervalUs = 250 } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.inspectorPort}/ws`, { perMessageDeflate: false, maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("inspector: no connection within 10 s")), 10_000);
    ws.once("open", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  let id = 0;
  const pending = new Map();
  ws.on("message", (data) => {
    let m;
    try {
      m = JSON.parse(data.toString("utf8"));
    } catch {
      return;
    }
    const p = m.id === undefined ? undefined : pending.get(m.id);
    if (p === undefined) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.error) p.reject(new Error(`inspector: ${JSON.stringify(m.error)}`));
    else p.resolve(m.result ?? {});
  });
  ws.on("close", () => {
    for (const p of pending.values()) p.reject(new Error("inspector: connection closed"));
    pending.clear();
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const i = ++id;
      const timer = setTimeout(() => {
        pending.delete(i);
        reject(new Error(`inspector: ${method} timed out`));
      }, CALL_TIMEOUT_MS);
      pending.set(i, { resolve, reject, timer });
      ws.send(JSON.stringify({ id: i, method, params }));
    });
  try {
    await call("Profiler.enable");
    await call("Profiler.setSamplingInterval", { interval: intervalUs });
    await call("Profiler.start");
  } catch (error) {
    ws.terminate();
    throw error;
  }
  return {
    async stop() {
      try {
        return (await call("Profiler.stop")).profile;
      } finally {
        ws.close();
      }
    },
    abandon() {
      ws.terminate();
    },
  };
}

/** The newest `<name>.map` under <cwd>/.wrangler/tmp/*, where wrangler dev writes its bundle. */
async function findSourceMap(cwd, name) {
  const base = join(cwd, ".wrangler", "tmp");
  let best = null;
  let dirs = [];
  try {
    dirs = await readdir(base);
  } catch {
    return null;
  }
  for (const dir of dirs) {
    const path = join(base, dir, `${name}.map`);
    try {
      const s = await stat(path);
      if (best === null || s.mtimeMs > best.mtimeMs) best = { path, mtimeMs: s.mtimeMs };
    } catch {}
  }
  return best?.path ?? null;
}

async function loadMapper(cwd, url) {
  if (!url || url.includes("/") || !url.endsWith(".js")) return null;
  const path = await findSourceMap(cwd, url);
  if (path === null) return null;
  let SourceMapConsumer;
  try {
    // A dependency of the test tooling (vite, postcss); mapping is skipped without it.
    ({ SourceMapConsumer } = await import("source-map-js"));
  } catch {
    return null;
  }
  const consumer = new SourceMapConsumer(JSON.parse(await readFile(path, "utf8")));
  const cache = new Map();
  return (line, column) => {
    const key = `${line}:${column}`;
    let hit = cache.get(key);
    if (hit === undefined) {
      const pos = consumer.originalPositionFor({ line: line + 1, column: Math.max(0, column) });
      hit = pos.source ? { source: normalize(pos.source).replace(/^(\.\.\/)+/, ""), line: pos.line } : null;
      cache.set(key, hit);
    }
    return hit;
  };
}

const round = (x) => Math.round(x * 10) / 10;

/**
 * A profile's nodes by id, each node's parent, and where a node's code is:
 * its file and line in the sources through the server's source map (paths
 * relative to the server's tree, or to the project for node_modules linked
 * from it), else its script URL.
 */
export async function indexProfile(profile, { cwd, root }) {
  const shorten = (path) => {
    for (const base of [cwd, root]) if (base && path.startsWith(`${base}/`)) return path.slice(base.length + 1);
    return path;
  };
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const mappers = new Map();
  for (const url of new Set(profile.nodes.map((n) => n.callFrame.url).filter(Boolean))) mappers.set(url, await loadMapper(cwd, url));
  const where = (node) => {
    const { url, lineNumber, columnNumber } = node.callFrame;
    const mapped = mappers.get(url)?.(lineNumber, columnNumber);
    if (!mapped) return { file: url, at: `${url}:${lineNumber + 1}` };
    const file = shorten(mapped.source);
    return { file, at: `${file}:${mapped.line}` };
  };
  return { nodes, parent, mappers, where };
}

/**
 * Self time by function and by source file. A native frame (no script URL:
 * fetch, URL, Response, JSON...) is shown with its nearest JavaScript
 * caller, and its time counts for that caller's file.
 */
export async function summarizeProfile(profile, { cwd, root, top = 15 }) {
  const { nodes, parent, mappers, where } = await indexProfile(profile, { cwd, root });
  const nearestScript = (node) => {
    let id = parent.get(node.id);
    while (id !== undefined) {
      const n = nodes.get(id);
      if (n.callFrame.url) return n;
      id = parent.get(id);
    }
    return null;
  };

  // The runtime samples only while the isolate runs; the gap after the last
  // sample before an idle spell would be charged to that sample. So each
  // sample counts for the time to the next one, at most MAX_SAMPLE_US.
  const selfUs = new Map();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const dt = Math.min(deltas[i + 1] ?? 0, MAX_SAMPLE_US);
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt);
  }
  /** The stack of a node, innermost first, for the breakdown by part. */
  const stackOf = (node) => {
    const frames = [];
    for (let n = node; n !== undefined; n = nodes.get(parent.get(n.id))) {
      const fn = n.callFrame.functionName || "(anonymous)";
      if (!n.callFrame.url) frames.push({ native: true, fn, file: null });
      else frames.push({ native: false, fn, file: where(n).file });
    }
    return frames;
  };
  const fns = new Map();
  const files = new Map();
  const parts = new Map();
  const special = {};
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = nodes.get(id);
    const name = node.callFrame.functionName || "(anonymous)";
    if (name !== "(idle)") {
      const part = partOfStack(stackOf(node));
      parts.set(part, (parts.get(part) ?? 0) + us);
    }
    if (SPECIAL.has(name) && !node.callFrame.url) {
      special[name] = (special[name] ?? 0) + us;
      if (name !== "(idle)") {
        busyUs += us;
        files.set(name, (files.get(name) ?? 0) + us);
      }
      continue;
    }
    busyUs += us;
    let key;
    let file;
    if (node.callFrame.url) {
      const w = where(node);
      key = `${name} ${w.at}`;
      file = w.file;
    } else {
      const caller = nearestScript(node);
      const w = caller ? where(caller) : null;
      key = `${name} [native]${caller ? ` <- ${caller.callFrame.functionName || "(anonymous)"} ${w.at}` : ""}`;
      file = w ? w.file : "(native, no script caller)";
    }
    fns.set(key, (fns.get(key) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const pct = (us) => round((100 * us) / Math.max(1, busyUs));
  const list = (m, n) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, self_ms: round(us / 1000), pct: pct(us) }));
  return {
    samples: samples.length,
    busy_ms: round(busyUs / 1000),
    idle_ms: round((special["(idle)"] ?? 0) / 1000),
    gc_ms: round((special["(garbage collector)"] ?? 0) / 1000),
    mapped: [...mappers.values()].some((m) => m !== null),
    functions: list(fns, top),
    files: list(files, top),
    parts: PARTS.filter((name) => parts.has(name)).map((name) => ({ name, self_ms: round(parts.get(name) / 1000), pct: pct(parts.get(name)) })),
  };
}

export async function saveProfile(dir, name, profile) {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.cpuprofile`);
  await writeFile(path, JSON.stringify(profile));
  return path;
}
