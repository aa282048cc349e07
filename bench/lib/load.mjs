// The load scenarios that drive a server over loopback: long-poll fan-out,
// WebSocket fan-out, posting throughput, status polling. The same code drives
// the project and the floor (bench/floor/), which share URL shapes.
//
// Every loop here is bounded in count and in time: listeners stop at a hard
// deadline, posters after a count or a duration, and every request has a timeout.
import http from "node:http";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import WebSocket from "ws";
import { saveProfile, startProfile, summarizeProfile } from "./profile.mjs";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Set by the runner on SIGINT: loops stop as soon as they look. */
export const control = { interrupted: false };

export const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const FILLER = "the quick brown fox jumps over the lazy dog, and then asks what is for lunch";
const POST_TIMEOUT_MS = 30_000;
const SHORT_TIMEOUT_MS = 15_000;
/** Above this share of lost deliveries or this p99, a run counts as saturated. */
export const SATURATION = { minDeliveredRatio: 0.99, maxP99Ms: 1_000 };

export function httpRequest(agent, method, url, { body, headers, timeoutMs = SHORT_TIMEOUT_MS, localAddress = undefined } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers, timeout: timeoutMs, localAddress }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
      res.on("aborted", () => reject(new Error("response aborted")));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

export function newAgent(sockets) {
  return new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: sockets + 64, scheduling: "lifo" });
}

export async function stats(server, agent) {
  const r = await httpRequest(agent, "GET", `${server.url}/lobby/var/stats`);
  if (r.status !== 200) throw new Error(`var/stats: status ${r.status}`);
  return JSON.parse(r.text);
}

/** Runs `task(i)` for i < count with at most `limit` at once; results in order. */
export async function mapLimit(count, limit, task) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count && !control.interrupted) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

/** Waits until `check()` is true (polled every `everyMs`), at most `ms`; returns whether it became true. */
async function waitUntil(check, ms, everyMs = 100) {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline && !control.interrupted) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}

/** The middle of `xs` (the mean of the two middle ones for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  const r = (x) => (x === null ? null : Math.round(x * 10) / 10);
  return {
    p50: r(percentile(sorted, 0.5)),
    p90: r(percentile(sorted, 0.9)),
    p99: r(percentile(sorted, 0.99)),
    max: r(sorted.length ? sorted[sorted.length - 1] : null),
  };
}

let tagCounter = 0;

/**
 * Deliveries of one run: each post's text carries the run's tag, its index
 * and the time it was sent (performance.now() of this process), so a
 * listener measures latency from the text alone.
 */
class Recorder {
  /** `kinds`: what each socket listener asked for (frames=), by listener index; empty for long-poll. */
  constructor(listeners, maxMessages, kinds = []) {
    this.tag = `${process.pid.toString(36)}${(++tagCounter).toString(36)}${Date.now().toString(36).slice(-4)}`;
    this.prefix = `bench ${this.tag} `;
    this.maxMessages = maxMessages;
    this.seen = new Uint8Array(listeners * maxMessages);
    this.latencies = [];
    this.delivered = 0;
    this.duplicates = 0;
    this.expected = 0;
    this.lastDelivery = 0;
    this.kinds = kinds;
    /** Per kind of socket: its listeners, deliveries, their latencies, and the bytes of the entries frames that carried them. */
    this.byKind = new Map();
    for (const kind of kinds) {
      const k = this.byKind.get(kind) ?? { listeners: 0, delivered: 0, bytes: 0, frames: 0, latencies: [] };
      k.listeners++;
      this.byKind.set(kind, k);
    }
  }

  text(index, sentAt) {
    return `${this.prefix}${index} ${sentAt.toFixed(3)} ${FILLER}`;
  }

  record(listener, text, now) {
    if (typeof text !== "string" || !text.startsWith(this.prefix)) return;
    const rest = text.slice(this.prefix.length);
    const a = rest.indexOf(" ");
    const b = rest.indexOf(" ", a + 1);
    const index = Number(rest.slice(0, a));
    const sentAt = Number(rest.slice(a + 1, b));
    if (!Number.isInteger(index) || index < 0 || index >= this.maxMessages || !Number.isFinite(sentAt)) return;
    const k = listener * this.maxMessages + index;
    if (this.seen[k]) {
      this.duplicates++;
      return;
    }
    this.seen[k] = 1;
    this.delivered++;
    this.latencies.push(now - sentAt);
    const kind = this.byKind.get(this.kinds[listener]);
    if (kind !== undefined) {
      kind.delivered++;
      kind.latencies.push(now - sentAt);
    }
    if (now > this.lastDelivery) this.lastDelivery = now;
  }

  /** Every text of this run in rendered HTML: the markup around it does not matter, the tag finds it. */
  recordHtml(listener, html, now) {
    for (let at = html.indexOf(this.prefix); at >= 0; at = html.indexOf(this.prefix, at + 1)) this.record(listener, html.slice(at, at + 200), now);
  }

  /** An entries frame of `bytes` reached `listener`. */
  frame(listener, bytes) {
    const kind = this.byKind.get(this.kinds[listener]);
    if (kind === undefined) return;
    kind.frames++;
    kind.bytes += bytes;
  }

  /** Per kind of socket: listeners, deliveries, bytes per delivered entry, latencies. */
  framesSummary() {
    const out = {};
    for (const [kind, k] of this.byKind) {
      out[kind] = {
        listeners: k.listeners,
        delivered: k.delivered,
        frames: k.frames,
        bytes: k.bytes,
        bytes_per_entry: k.delivered > 0 ? Math.round((k.bytes / k.delivered) * 10) / 10 : null,
        latency_ms: summarize(k.latencies),
      };
    }
    return out;
  }
}

/** Post i of a run of posts from `addresses` people comes from 127.0.0.(1 + i % addresses), its nick saying which. */
const posterOf = (i, addresses) => (addresses > 1 ? { nick: `bench${i % addresses}`, localAddress: `127.0.0.${1 + (i % addresses)}` } : { nick: "bench" });

async function postText(agent, server, text, { nick = "bench", localAddress = undefined } = {}) {
  const r = await httpRequest(agent, "POST", `${server.url}/lobby/post`, {
    body: `nick=${nick}&text=${encodeURIComponent(text)}`,
    headers: { ...FORM, Accept: "application/json" },
    timeoutMs: POST_TIMEOUT_MS,
    localAddress,
  });
  if (r.status !== 200) throw new Error(`post: status ${r.status} ${r.text.slice(0, 200)}`);
  return JSON.parse(r.text);
}

/**
 * Posts `messages` texts at a fixed rate, not waiting for one ack before the
 * next post. Each acknowledged post expects one delivery per live listener.
 */
async function postAtRate(server, agent, rec, { messages, rate, liveListeners, addresses = 1 }) {
  const acks = [];
  let errors = 0;
  let firstError = null;
  const pending = [];
  const t0 = performance.now() + 20;
  let firstSent = null;
  let posted = 0;
  for (let i = 0; i < messages && !control.interrupted; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const sentAt = performance.now();
    firstSent ??= sentAt;
    posted++;
    const listeners = liveListeners();
    pending.push(
      postText(agent, server, rec.text(i, sentAt), posterOf(i, addresses)).then(
        () => {
          acks.push(performance.now() - sentAt);
          rec.expected += listeners;
        },
        (error) => {
          errors++;
          firstError ??= String(error);
        },
      ),
    );
  }
  await Promise.all(pending);
  return { posted, acked: acks.length, errors, firstError, acks, firstSent };
}

/** What a fan-out run measured, from the recorder, the server's process snapshots and the load generator. */
function fanoutResult({ rec, firstSent, idle, before, after, genCpu, lag, extra }) {
  const lat = summarize(rec.latencies);
  const window = rec.lastDelivery > firstSent ? (rec.lastDelivery - firstSent) / 1000 : null;
  const cpu = (role) => Math.round((after.cpuMs[role] ?? 0) - (before.cpuMs[role] ?? 0));
  const serverCpu = cpu("proxy") + cpu("worker");
  const workerdMb = (snap) => Math.round(((snap.rssKb.proxy ?? 0) + (snap.rssKb.worker ?? 0)) / 1024);
  const ratio = rec.expected > 0 ? rec.delivered / rec.expected : null;
  const result = {
    expected: rec.expected,
    delivered: rec.delivered,
    lost: rec.expected - rec.delivered,
    duplicates: rec.duplicates,
    delivered_ratio: ratio === null ? null : Math.round(ratio * 10000) / 10000,
    latency_ms: lat,
    throughput: window ? Math.round(rec.delivered / window) : null,
    rss_mb: {
      workerd: workerdMb(after),
      proxy: Math.round((after.rssKb.proxy ?? 0) / 1024),
      worker: Math.round((after.rssKb.worker ?? 0) / 1024),
      workerd_at_start: workerdMb(idle),
    },
    workerd_processes: after.workerdProcesses,
    // Open files at the end (listeners connected): under wrangler dev each socket costs the proxy several.
    open_files: { proxy: after.fds.proxy ?? 0, worker: after.fds.worker ?? 0, limit: after.fdLimit },
    cpu_ms: { proxy: cpu("proxy"), worker: cpu("worker"), wrangler: cpu("wrangler"), loadgen: genCpu },
    window_s: window === null ? null : Math.round(window * 100) / 100,
    server_cpu_us_per_delivery: rec.delivered > 0 ? Math.round((serverCpu * 1000) / rec.delivered) : null,
    server_cpu_ms_per_post: extra.posts_acked > 0 ? Math.round((serverCpu / extra.posts_acked) * 100) / 100 : null,
    worker_cpu_us_per_delivery: rec.delivered > 0 ? Math.round((cpu("worker") * 1000) / rec.delivered) : null,
    loadgen_lag_p99_ms: Math.round(lag.percentile(99) / 1e5) / 10,
    ...extra,
  };
  result.saturated = ratio === null || ratio < SATURATION.minDeliveredRatio || (lat.p99 ?? Infinity) > SATURATION.maxP99Ms;
  return result;
}

function startMeasure() {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const cpu0 = process.cpuUsage();
  return {
    lag,
    finish() {
      lag.disable();
      const d = process.cpuUsage(cpu0);
      return Math.round((d.user + d.system) / 1000);
    },
  };
}

/** With --profile, starts the CPU profiler of the server's Worker; a failure is reported, not thrown. */
async function beginProfile(server, profile) {
  if (!profile) return null;
  try {
    return await startProfile(server);
  } catch (error) {
    return { error: String(error) };
  }
}

async function endProfile(server, handle, profile) {
  if (handle === null) return {};
  if (handle.error) return { profile: { error: handle.error } };
  try {
    const raw = await handle.stop();
    const file = await saveProfile(profile.dir, profile.name, raw);
    return { profile: { file, ...(await summarizeProfile(raw, { cwd: server.cwd, root: server.root })) } };
  } catch (error) {
    return { profile: { error: String(error) } };
  }
}

/** After a run, waits (bounded) until the room holds no comet request and no socket of ours. */
async function waitRoomEmpty(server, agent, key, ms) {
  let last = null;
  const ok = await waitUntil(
    async () => {
      try {
        last = (await stats(server, agent))[key];
      } catch {
        return false;
      }
      return last === 0;
    },
    ms,
    250,
  );
  return ok ? 0 : last;
}

/**
 * Long-poll fan-out: n listeners each holding GET comet?p=&c=&s=0 (a cid and
 * the current position from POST apilogin), re-asking at once after every
 * reply; one poster at a fixed rate.
 */
export async function longpollFanout(server, { n, rate, messages, drainMs, settleMs, holdSeconds, log, profile = null }) {
  const agent = newAgent(n);
  const postAgent = newAgent(8);
  const rec = new Recorder(n, messages);
  const state = { stopping: false, done: false, requests: 0, errors: 0, firstError: null, live: 0 };
  const holdTimeout = holdSeconds * 1000 + 15_000;
  const hardDeadline = performance.now() + 120_000 + n * 30 + (messages / rate) * 1000 + drainMs;
  const idle = await server.snapshot();
  const setupStart = performance.now();
  try {
    const logins = await mapLimit(n, 32, async () => {
      try {
        const r = await httpRequest(agent, "POST", `${server.url}/lobby/apilogin`, { body: "who=bench&s=0", headers: FORM });
        if (r.status !== 200) throw new Error(`apilogin: status ${r.status}`);
        const j = JSON.parse(r.text);
        return { cid: j.cid, pos: j.pos };
      } catch (error) {
        state.errors++;
        state.firstError ??= String(error);
        return null;
      }
    });
    let t = 0;
    const listen = async (i, login) => {
      let { cid, pos } = login;
      let failures = 0;
      while (!state.done && performance.now() < hardDeadline) {
        let j;
        try {
          state.requests++;
          const r = await httpRequest(agent, "GET", `${server.url}/lobby/comet?t=${++t}&p=${pos}&c=${cid}&s=0`, { timeoutMs: holdTimeout });
          if (r.status !== 200) throw new Error(`comet: status ${r.status} ${r.text.slice(0, 120)}`);
          j = JSON.parse(r.text);
        } catch (error) {
          state.errors++;
          state.firstError ??= String(error);
          if (state.stopping || state.done || ++failures > 20) return;
          await sleep(250);
          continue;
        }
        const now = performance.now();
        if (Number.isInteger(j.pos)) pos = j.pos;
        if (Number.isInteger(j.cid) && j.cid > 0) cid = j.cid;
        if (Array.isArray(j.content)) for (const e of j.content) rec.record(i, e?.[2], now);
        if (state.stopping) return;
      }
    };
    const loops = [];
    logins.forEach((login, i) => {
      if (login !== null) {
        state.live++;
        loops.push(listen(i, login));
      }
    });
    let waiting = 0;
    const held = await waitUntil(
      async () => {
        try {
          waiting = (await stats(server, postAgent))["comet-waiting"];
        } catch {}
        return waiting >= state.live;
      },
      60_000 + n * 20,
      250,
    );
    const setupMs = Math.round(performance.now() - setupStart);
    if (!held) log(`  ${server.label}: only ${waiting} of ${state.live} comet requests held after setup`);
    // Held as the room counts it is not settled: a hold made on a socket still has the Worker's side to finish.
    await sleep(settleMs);

    const profiling = await beginProfile(server, profile);
    const before = await server.snapshot();
    const measure = startMeasure();
    const requests0 = state.requests;
    const posting = await postAtRate(server, postAgent, rec, { messages, rate, liveListeners: () => state.live });
    await waitUntil(() => rec.delivered >= rec.expected, drainMs, 20);
    const genCpu = measure.finish();
    const after = await server.snapshot();
    const requests = state.requests - requests0;
    const profiled = await endProfile(server, profiling, profile);

    // Stop: every listener leaves after its next reply, which a last post provokes.
    state.stopping = true;
    await postText(postAgent, server, `bench ${rec.tag} stop`).catch(() => {});
    await Promise.race([Promise.all(loops), sleep(15_000)]);
    state.done = true;
    agent.destroy();
    const leftover = await waitRoomEmpty(server, postAgent, "comet-waiting", 5_000);

    return {
      n: state.live,
      messages: posting.posted,
      ...fanoutResult({
        rec,
        firstSent: posting.firstSent,
        idle,
        before,
        after,
        genCpu,
        lag: measure.lag,
        extra: {
          offered: Math.round(state.live * rate),
          posts_acked: posting.acked,
          post_errors: posting.errors,
          post_first_error: posting.firstError,
          post_ack_ms: summarize(posting.acks),
          comet_requests: requests,
          errors: state.errors,
          first_error: state.firstError,
          setup_ms: setupMs,
          leftover_waiting: leftover,
          ...profiled,
        },
      }),
    };
  } finally {
    state.done = true;
    agent.destroy();
    postAgent.destroy();
  }
}

/** The socket kinds a run can ask for: frames=html (the page), frames=entries (API clients), none (both). */
export const FRAME_KINDS = ["entries", "html", "both"];

/**
 * Opens n sockets on GET ws?p=<pos>[&frames=<kind>] with at most 50 handshakes at once, socket i of kind
 * rec.kinds[i]; resolves with the open ones.
 */
async function openSockets(server, from, to, pos, rec, state) {
  const base = `${server.url.replace(/^http/, "ws")}/lobby/ws?p=${pos}`;
  const open = (i) =>
    new Promise((resolve) => {
      let hello = false;
      const kind = rec.kinds[i];
      const url = kind === "both" ? base : `${base}&frames=${kind}`;
      const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 30_000 });
      const timer = setTimeout(() => {
        if (!hello) {
          state.errors++;
          state.firstError ??= "no hello within 30 s";
          ws.terminate();
          resolve(null);
        }
      }, 30_000);
      ws.on("message", (data) => {
        const s = data.toString("utf8");
        if (s.startsWith('{"type":"entries"')) {
          const now = performance.now();
          let frame;
          try {
            frame = JSON.parse(s);
          } catch {
            state.badFrames++;
            return;
          }
          rec.frame(i, data.length);
          if (Array.isArray(frame.entries)) for (const e of frame.entries) rec.record(i, e?.[2], now);
          else if (typeof frame.html === "string") rec.recordHtml(i, frame.html, now);
        } else if (!hello && s.startsWith('{"type":"hello"')) {
          hello = true;
          clearTimeout(timer);
          resolve(ws);
        } else {
          state.otherFrames++;
        }
      });
      ws.on("error", (error) => {
        state.errors++;
        state.firstError ??= String(error);
      });
      ws.on("close", () => {
        clearTimeout(timer);
        if (hello && !state.closing) state.dropped++;
        if (!hello) resolve(null);
      });
    });
  const sockets = await mapLimit(to - from, 50, (j) => open(from + j));
  return sockets.filter((ws) => ws !== null);
}

async function closeSockets(sockets, state) {
  state.closing = true;
  const closed = Promise.all(
    sockets.map((ws) =>
      ws.readyState === WebSocket.CLOSED
        ? null
        : new Promise((r) => {
            ws.once("close", r);
            try {
              ws.close(1000, "bench done");
            } catch {
              r();
            }
          }),
    ),
  );
  await Promise.race([closed, sleep(5_000)]);
  for (const ws of sockets) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
}

async function withSockets(server, n, rec, settleMs, body) {
  const agent = newAgent(16);
  const state = { errors: 0, firstError: null, dropped: 0, otherFrames: 0, badFrames: 0, closing: false };
  let sockets = [];
  try {
    const idle = await server.snapshot();
    const setupStart = performance.now();
    const pos = (await stats(server, agent))["post-sequence"] ?? 0;
    const counted = async () => {
      let count = 0;
      await waitUntil(
        async () => {
          try {
            count = (await stats(server, agent)).sockets;
          } catch {}
          return count >= sockets.length;
        },
        30_000,
        250,
      );
    };
    // Half the sockets, then the other half: the memory the second half takes is what a socket costs,
    // without what the first sockets cost once (the room starting, code compiled on first use).
    const half = Math.floor(n / 2);
    sockets = await openSockets(server, 0, half, pos, rec, state);
    await counted();
    const halfway = await server.snapshot();
    const second = await openSockets(server, half, n, pos, rec, state);
    sockets = sockets.concat(second);
    await counted();
    const setupMs = Math.round(performance.now() - setupStart);
    // Presence changes reach sockets at most every few seconds: let the joins' last one pass.
    await sleep(settleMs);
    const connected = await server.snapshot();
    const live = () => sockets.length - state.dropped;
    const out = await body({ agent, live, sockets, idle });
    await closeSockets(sockets, state);
    const leftover = await waitRoomEmpty(server, agent, "sockets", 20_000);
    // Memory an open, idle socket takes: resident size once the second half settled, before any post, less halfway.
    const perSocket = (...roles) => {
      if (second.length === 0) return null;
      const grown = roles.reduce((kb, role) => kb + (connected.rssKb[role] ?? 0) - (halfway.rssKb[role] ?? 0), 0);
      return Math.round((grown / second.length) * 10) / 10;
    };
    return {
      n: sockets.length,
      ...out,
      idle_socket_kb: { workerd: perSocket("proxy", "worker"), proxy: perSocket("proxy"), worker: perSocket("worker") },
      frames: rec.framesSummary(),
      errors: state.errors,
      first_error: state.firstError,
      dropped: state.dropped,
      other_frames: state.otherFrames,
      setup_ms: setupMs,
      leftover_sockets: leftover,
    };
  } finally {
    for (const ws of sockets) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    agent.destroy();
  }
}

/** Socket i asks for frames[i % frames.length]. */
const kindsOf = (n, frames) => Array.from({ length: n }, (_, i) => frames[i % frames.length]);

/**
 * WebSocket fan-out: n sockets on GET ws?p=<pos>[&frames=], posts at a fixed rate over HTTP, from one
 * address or taking `addresses` addresses (and nicks) in turn.
 */
export async function wsFanout(server, { n, rate, messages, drainMs, settleMs, frames = ["entries"], addresses = 1, profile = null }) {
  const rec = new Recorder(n, messages, kindsOf(n, frames));
  return withSockets(server, n, rec, settleMs, async ({ agent, live, idle }) => {
    const profiling = await beginProfile(server, profile);
    const before = await server.snapshot();
    const measure = startMeasure();
    const posting = await postAtRate(server, agent, rec, { messages, rate, liveListeners: live, addresses });
    await waitUntil(() => rec.delivered >= rec.expected, drainMs, 20);
    const genCpu = measure.finish();
    const after = await server.snapshot();
    const profiled = await endProfile(server, profiling, profile);
    return {
      messages: posting.posted,
      ...fanoutResult({
        rec,
        firstSent: posting.firstSent,
        idle,
        before,
        after,
        genCpu,
        lag: measure.lag,
        extra: {
          offered: Math.round(live() * rate),
          posts_acked: posting.acked,
          post_errors: posting.errors,
          post_first_error: posting.firstError,
          post_ack_ms: summarize(posting.acks),
          ...profiled,
        },
      }),
    };
  });
}

/**
 * Posting throughput: `posters` concurrent loops posting over HTTP as fast as
 * acks come back, for `durationMs` or `maxPosts` in all, with `listeners`
 * sockets attached.
 */
export async function postThroughput(server, { posters, listeners, durationMs, maxPosts, drainMs, settleMs, frames = ["entries"], profile = null }) {
  const rec = new Recorder(listeners, maxPosts, kindsOf(listeners, frames));
  return withSockets(server, listeners, rec, settleMs, async ({ live, idle }) => {
    const postAgent = newAgent(posters);
    try {
      const profiling = await beginProfile(server, profile);
      const before = await server.snapshot();
      const measure = startMeasure();
      const acks = [];
      let errors = 0;
      let firstError = null;
      let next = 0;
      const start = performance.now();
      const endAt = start + durationMs;
      let lastAck = start;
      const loop = async () => {
        while (performance.now() < endAt && next < maxPosts && !control.interrupted) {
          const i = next++;
          const sentAt = performance.now();
          const listening = live();
          try {
            await postText(postAgent, server, rec.text(i, sentAt));
            const now = performance.now();
            acks.push(now - sentAt);
            lastAck = now;
            rec.expected += listening;
          } catch (error) {
            errors++;
            firstError ??= String(error);
            await sleep(50);
          }
        }
      };
      await Promise.all(Array.from({ length: posters }, loop));
      const postWindow = (lastAck - start) / 1000;
      await waitUntil(() => rec.delivered >= rec.expected, drainMs, 20);
      const genCpu = measure.finish();
      const after = await server.snapshot();
      const profiled = await endProfile(server, profiling, profile);
      const result = fanoutResult({
        rec,
        firstSent: start,
        idle,
        before,
        after,
        genCpu,
        lag: measure.lag,
        extra: {
          posters,
          posts_acked: acks.length,
          post_errors: errors,
          post_first_error: firstError,
          posts_per_s: postWindow > 0 ? Math.round((acks.length / postWindow) * 10) / 10 : null,
          post_ack_ms: summarize(acks),
          ...profiled,
        },
      });
      return { messages: next, ...result };
    } finally {
      postAgent.destroy();
    }
  });
}

/**
 * Status polling: `requests` GETs of var/status.js from `loops` concurrent
 * loops, paced to spread over `spreadMs`; counts how many reached the room's
 * Durable Object through var/stats "requests-served" before and after.
 */
export async function statusPolling(server, { requests, loops, spreadMs, cacheSeconds, profile = null }) {
  const agent = newAgent(loops + 4);
  try {
    const profiling = await beginProfile(server, profile);
    const before = await stats(server, agent);
    const snap0 = await server.snapshot();
    const measure = startMeasure();
    const latencies = [];
    const statuses = {};
    let errors = 0;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: loops }, async () => {
        while (next < requests && !control.interrupted) {
          const i = next++;
          const wait = t0 + (i * spreadMs) / requests - performance.now();
          if (wait > 0) await sleep(wait);
          const sentAt = performance.now();
          try {
            const r = await httpRequest(agent, "GET", `${server.url}/lobby/var/status.js`);
            statuses[r.status] = (statuses[r.status] ?? 0) + 1;
            latencies.push(performance.now() - sentAt);
          } catch {
            errors++;
          }
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    const genCpu = measure.finish();
    const snap1 = await server.snapshot();
    const after = await stats(server, agent);
    const profiled = await endProfile(server, profiling, profile);
    const served = after["requests-served"] - before["requests-served"];
    const cpu = (role) => Math.round((snap1.cpuMs[role] ?? 0) - (snap0.cpuMs[role] ?? 0));
    return {
      n: requests,
      loops,
      elapsed_s: Math.round(elapsed * 100) / 100,
      requests_per_s: Math.round(latencies.length / elapsed),
      statuses,
      errors,
      latency_ms: summarize(latencies),
      // The "after" stats request is itself counted by the room.
      reached_do: served >= 0 ? served - 1 : null,
      room_restarted: served < 0,
      cache_intervals_spanned: cacheSeconds > 0 ? Math.ceil(elapsed / cacheSeconds) : null,
      rss_mb: {
        workerd: Math.round(((snap1.rssKb.proxy ?? 0) + (snap1.rssKb.worker ?? 0)) / 1024),
        proxy: Math.round((snap1.rssKb.proxy ?? 0) / 1024),
        worker: Math.round((snap1.rssKb.worker ?? 0) / 1024),
      },
      cpu_ms: { proxy: cpu("proxy"), worker: cpu("worker"), wrangler: cpu("wrangler"), loadgen: genCpu },
      loadgen_lag_p99_ms: Math.round(measure.lag.percentile(99) / 1e5) / 10,
      ...profiled,
    };
  } finally {
    agent.destroy();
  }
}
