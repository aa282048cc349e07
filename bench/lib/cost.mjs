// What a room costs on Cloudflare, measured under wrangler dev: a room with a
// mix of listeners (comet clients in each reply format, page sockets, API
// sockets) and a steady post rate, for a measured period. Counted from the
// load generator's side, which sees every request: what reaches the Worker,
// what reaches the room's object (requests, WebSocket messages, closes), how
// often the object was made (its `room-started` lines), how long it held
// comet requests inside itself (its `room-quiet` lines), and the CPU time of
// the process that runs the Worker and the room. Then per day and per
// listener-day, with Cloudflare's billing rules (README, "What a room costs").
import WebSocket from "ws";
import { control, FORM, httpRequest, newAgent, sleep } from "./load.mjs";

const DAY_S = 86_400;
/** An object's memory as Cloudflare bills it: 128 MB. */
const GB_PER_OBJECT = 0.128;
/** Incoming WebSocket messages are billed as requests at 20:1. */
const MESSAGES_PER_REQUEST = 20;

/** The rooms README's "What a room costs" describes. */
export const COST_ROOMS = {
  quiet: { comet: { json: 1, sexpr: 1, html: 0 }, pages: 5, api: 0, postEverySeconds: 60 },
  busy: { comet: { json: 0, sexpr: 0, html: 0 }, pages: 200, api: 0, postEverySeconds: 10 },
  big: { comet: { json: 50, sexpr: 50, html: 0 }, pages: 1_800, api: 100, postEverySeconds: 10 },
};

function emptyCounts() {
  return { comet: 0, pings: 0, news: 0, posts: 0, apilogins: 0, upgrades: 0, frames: 0, errors: 0 };
}

/**
 * Runs one room for `periodSeconds` on `server` (started with its room lines
 * reported to `lines`: `starts`, the times of its `room-started` lines, and
 * `awakeMs`, the `awakeMs` of its `room-quiet` lines). Returns what was
 * counted and the figures per day.
 */
export async function roomCost(server, lines, { name, room, periodSeconds, holdSeconds, log }) {
  const cometCount = room.comet.json + room.comet.sexpr + room.comet.html;
  const listeners = cometCount + room.pages + room.api;
  const agent = newAgent(cometCount + 16);
  const counts = emptyCounts();
  const state = { stopping: false };
  const sockets = [];
  const loops = [];
  try {
    // Sockets first, a few at a time, as people arrive.
    const open = (frames) =>
      new Promise((resolve) => {
        counts.upgrades++;
        const ws = new WebSocket(`${server.url.replace("http", "ws")}/lobby/ws?p=0${frames === null ? "" : `&frames=${frames}`}`);
        sockets.push(ws);
        ws.on("message", () => counts.frames++);
        ws.once("open", () => resolve(true));
        ws.once("error", () => {
          counts.errors++;
          resolve(false);
        });
      });
    for (let i = 0; i < room.pages + room.api; i += 50) {
      const batch = [];
      for (let k = i; k < Math.min(i + 50, room.pages + room.api); k++) batch.push(open(k < room.pages ? "html" : "entries"));
      await Promise.all(batch);
    }
    const cometLoop = async (s) => {
      counts.apilogins++;
      const login = await httpRequest(agent, "POST", `${server.url}/lobby/apilogin`, { body: "who=cost&s=0", headers: FORM });
      let { cid, pos } = JSON.parse(login.text);
      let t = 0;
      while (!state.stopping && !control.interrupted) {
        counts.comet++;
        let reply;
        try {
          reply = await httpRequest(agent, "GET", `${server.url}/lobby/comet?t=${++t}&p=${pos}&c=${cid}${s === null ? "" : `&s=${s}`}`, {
            timeoutMs: holdSeconds * 1000 + 15_000,
          });
        } catch {
          if (!state.stopping) counts.errors++;
          return;
        }
        if (reply.status !== 200) {
          counts.errors++;
          await sleep(500);
          continue;
        }
        const at = s === "1" ? /\(pos \. (\d+)\)/.exec(reply.text)?.[1] : String(JSON.parse(reply.text).pos);
        const next = Number(at);
        if (next === pos) counts.pings++;
        else counts.news++;
        pos = next;
        const fresh = s === "1" ? /\(cid \. (\d+)\)/.exec(reply.text)?.[1] : String(JSON.parse(reply.text).cid);
        if (Number(fresh) > 0) cid = Number(fresh);
      }
    };
    for (const [format, s] of [
      ["json", "0"],
      ["sexpr", "1"],
      ["html", null],
    ]) {
      for (let i = 0; i < room.comet[format]; i++) loops.push(cometLoop(s));
    }
    await sleep(2_000);

    // The measured period: counts from here.
    Object.assign(counts, emptyCounts());
    const startsBefore = lines.starts.length;
    const quietBefore = lines.awakeMs.length;
    const before = await server.snapshot();
    const t0 = performance.now();
    const end = t0 + periodSeconds * 1000;
    const postAgent = newAgent(2);
    let nextPost = t0 + (room.postEverySeconds * 1000) / 2;
    while (performance.now() < end && !control.interrupted) {
      if (performance.now() >= nextPost) {
        nextPost += room.postEverySeconds * 1000;
        counts.posts++;
        const r = await httpRequest(postAgent, "POST", `${server.url}/lobby/post`, { body: `nick=cost&text=${name}+${counts.posts}`, headers: FORM }).catch(
          () => null,
        );
        if (r?.status !== 200) counts.errors++;
      }
      await sleep(Math.max(10, Math.min(500, nextPost - performance.now())));
    }
    const periodMs = performance.now() - t0;
    const after = await server.snapshot();
    const wakes = lines.starts.length - startsBefore;
    const heldInRoomMs = lines.awakeMs.slice(quietBefore).reduce((sum, ms) => sum + ms, 0);
    postAgent.destroy();
    log(`  ${name}: ${listeners} listeners, ${counts.posts} posts in ${(periodMs / 1000).toFixed(0)} s; ${wakes} wakes`);
    return costFigures({
      name,
      room,
      listeners,
      cometCount,
      counts,
      wakes,
      heldInRoomMs,
      periodMs,
      cpuMs: (after.cpuMs.worker ?? 0) - (before.cpuMs.worker ?? 0),
    });
  } finally {
    state.stopping = true;
    for (const ws of sockets) ws.terminate();
    agent.destroy();
    await Promise.race([Promise.all(loops), sleep(2_000)]);
  }
}

/**
 * Per day, from the counts of a period. What reaches the room: every Worker
 * request that goes on to it (comet, apilogin, post, the socket upgrades),
 * the message that asks for each ping, and the close of each held request's
 * socket (counted with the messages, although a close may not be billed).
 * The time the object cannot hibernate is the time it handles events, taken
 * as the CPU time of the process that runs the Worker and the room (an upper
 * bound on the room's part), plus the time it held comet requests inside
 * itself after a post (src/room/transports/in-room-holds.ts), and nothing for
 * waiting on sockets, which hibernates.
 */
function costFigures({ name, room, listeners, cometCount, counts, wakes, heldInRoomMs, periodMs, cpuMs }) {
  const perDay = DAY_S / (periodMs / 1000);
  const workerRequests = counts.comet + counts.apilogins + counts.posts + counts.upgrades;
  const roomRequests = workerRequests;
  const roomMessages = counts.pings + counts.comet;
  const billedRoomRequests = roomRequests + roomMessages / MESSAGES_PER_REQUEST;
  const awakeS = (cpuMs + heldInRoomMs) / 1000;
  const day = {
    worker_requests: Math.round(workerRequests * perDay),
    room_requests: Math.round(roomRequests * perDay),
    room_messages: Math.round(roomMessages * perDay),
    room_billed_requests: Math.round(billedRoomRequests * perDay),
    wakes: Math.round(wakes * perDay),
    awake_s: Math.round(awakeS * perDay),
    held_in_room_s: Math.round((heldInRoomMs / 1000) * perDay),
    gb_s: Math.round(awakeS * perDay * GB_PER_OBJECT),
    // Before the Worker held comet requests: a room with a comet listener never hibernated.
    gb_s_before: cometCount > 0 ? Math.round(DAY_S * GB_PER_OBJECT) : Math.round(awakeS * perDay * GB_PER_OBJECT),
  };
  return {
    room: name,
    plans: plans(day),
    listeners: { comet: room.comet, pages: room.pages, api: room.api, total: listeners },
    post_every_s: room.postEverySeconds,
    period_s: Math.round(periodMs / 100) / 10,
    counts,
    wakes,
    held_in_room_ms: heldInRoomMs,
    cpu_ms: cpuMs,
    day,
    per_listener_day: {
      room_billed_requests: Math.round((day.room_billed_requests / listeners) * 10) / 10,
      gb_s: Math.round((day.gb_s / listeners) * 1000) / 1000,
    },
  };
}

/**
 * Cloudflare's prices as published in its docs (Workers and Durable Objects
 * pricing pages, read on 2026-12-06). Free: per day, for the whole account;
 * Paid: $5 a month with what it includes, then per million.
 */
export const PRICES = {
  read: "2026-12-06",
  free: { workerRequestsPerDay: 100_000, roomRequestsPerDay: 100_000, gbSPerDay: 13_000 },
  paid: {
    baseUsd: 5,
    workerRequestsIncluded: 10_000_000,
    workerRequestUsdPerMillion: 0.3,
    roomRequestsIncluded: 1_000_000,
    roomRequestUsdPerMillion: 0.15,
    gbSIncluded: 400_000,
    gbSUsdPerMillion: 12.5,
  },
};

/** Whether a room's day fits the Free plan (alone), and its month on Paid (alone, 30 days, what the $5 includes counted once). */
export function plans(day) {
  const { free, paid } = PRICES;
  const over = [];
  if (day.worker_requests > free.workerRequestsPerDay) over.push("Worker requests");
  if (day.room_billed_requests > free.roomRequestsPerDay) over.push("object requests");
  if (day.gb_s > free.gbSPerDay) over.push("GB-s");
  const month = (perDay, included, usdPerMillion) => (Math.max(0, perDay * 30 - included) / 1_000_000) * usdPerMillion;
  const paidUsd = (gbS) =>
    paid.baseUsd +
    month(day.worker_requests, paid.workerRequestsIncluded, paid.workerRequestUsdPerMillion) +
    month(day.room_billed_requests, paid.roomRequestsIncluded, paid.roomRequestUsdPerMillion) +
    month(gbS, paid.gbSIncluded, paid.gbSUsdPerMillion);
  return {
    free_fits: over.length === 0,
    free_over: over,
    free_fits_before: day.gb_s_before <= free.gbSPerDay && over.filter((o) => o !== "GB-s").length === 0,
    paid_usd_month: Math.round(paidUsd(day.gb_s) * 100) / 100,
    paid_usd_month_before: Math.round(paidUsd(day.gb_s_before) * 100) / 100,
  };
}
