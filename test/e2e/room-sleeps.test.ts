/**
 * A room sleeps while people wait (issue 23): comet clients in each reply
 * format and sockets listen to a room where nobody posts; the held comet
 * requests wait in the Worker, not in the room, so the room's object
 * hibernates (wrangler dev does after 10 s idle, as Cloudflare does) and is
 * made again, saying `room-started`, when a hold time ends. The first post
 * after the nap reaches every listener once, through the request or socket
 * it was already waiting on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startDev, type DevServer } from "../support/wrangler-dev";

const ROOM = "sleepy";
const ROOMS = [
  { name: "lobby", title: "Lobby", description: "", icon: "/chaton.svg" },
  { name: ROOM, title: "Sleepy", description: "", icon: "/chaton.svg" },
];
/** Longer than the 10 s of idleness after which an object hibernates: the room sleeps within each hold. */
const HOLD_SECONDS = 15;
/** Quiet long enough for two hold times: the room sleeps and wakes at least once. */
const QUIET_MS = 2 * HOLD_SECONDS * 1000 + 4_000;

let dev: DevServer;
/** When each `room-started` line of the room was printed. */
const starts: number[] = [];
let stopping = false;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  let pending = "";
  dev = await startDev({
    logLevel: "log",
    vars: { ROOMS: JSON.stringify(ROOMS), COMET_HOLD_SECONDS: String(HOLD_SECONDS), STATUS_CACHE_SECONDS: "0" },
    onOutput: (chunk) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.startsWith("{")) continue;
        const event = JSON.parse(line) as { event?: string; room?: string };
        if (event.event === "room-started" && event.room === ROOM) starts.push(Date.now());
      }
    },
  });
}, 60_000);

afterAll(async () => {
  stopping = true;
  for (const ws of sockets) ws.terminate();
  await dev?.stop();
});

/** One comet request and its answer: when it was asked, and what came back. */
interface Exchange {
  askedAt: number;
  status: number;
  body: string;
}

/** A comet client of one format looping as a bot does, from a client id of apilogin. */
async function cometLoop(s: "0" | "1" | null, exchanges: Exchange[]): Promise<void> {
  const login = await fetch(`${dev.url}/${ROOM}/apilogin`, { method: "POST", body: new URLSearchParams({ who: `bot-${s}`, s: "0" }) });
  const { cid, pos: start } = (await login.json()) as { cid: number; pos: number };
  let pos = start;
  while (!stopping) {
    const query = new URLSearchParams({ p: String(pos), c: String(cid), ...(s === null ? {} : { s }) });
    const askedAt = Date.now();
    const res = await fetch(`${dev.url}/${ROOM}/comet?${query}`, { signal: AbortSignal.timeout(60_000) }).catch(() => null);
    if (res === null) return;
    const body = await res.text();
    exchanges.push({ askedAt, status: res.status, body });
    const next = s === "1" ? /\(pos \. (\d+)\)/.exec(body)?.[1] : String((JSON.parse(body) as { pos: number }).pos);
    pos = Number(next);
  }
}

function openSocket(frames: string | null, received: string[]): Promise<void> {
  const query = frames === null ? "p=0" : `p=0&frames=${frames}`;
  const ws = new WebSocket(`${dev.url.replace("http", "ws")}/${ROOM}/ws?${query}`);
  sockets.push(ws);
  ws.on("message", (data) => received.push(data.toString()));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe("a room that sleeps while people wait", () => {
  it("hibernates with comet clients of every format and sockets waiting, and the first post after reaches each once", async () => {
    const formats = { json: "0", sexpr: "1", html: null } as const;
    const exchanges = Object.fromEntries(Object.keys(formats).map((name) => [name, [] as Exchange[]])) as Record<keyof typeof formats, Exchange[]>;
    const page: string[] = [];
    const api: string[] = [];
    await Promise.all([openSocket(null, page), openSocket("entries", api)]);
    const loops = Object.entries(formats).map(([name, s]) => cometLoop(s, exchanges[name as keyof typeof formats]));

    const quietFrom = Date.now();
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    // Made when first asked, then again after sleeping through a hold time while every client kept waiting.
    const wokenWhileQuiet = starts.filter((at) => at > quietFrom + 10_000);
    expect(starts.length, `room-started lines: ${starts.length}`).toBeGreaterThanOrEqual(2);
    expect(wokenWhileQuiet.length).toBeGreaterThanOrEqual(1);
    for (const [name, seen] of Object.entries(exchanges)) {
      // Every answer while quiet was a ping at the end of a hold: nobody stopped waiting.
      expect(seen.length, name).toBeGreaterThanOrEqual(2);
      expect(
        seen.every((x) => x.status === 200),
        name,
      ).toBe(true);
    }

    const text = `after the nap ${Date.now()}`;
    const postedAt = Date.now();
    const posted = await fetch(`${dev.url}/${ROOM}/post`, { method: "POST", body: new URLSearchParams({ nick: "waker", text }) });
    expect(posted.status).toBe(200);
    const delivered = () =>
      Object.values(exchanges).every((seen) => seen.some((x) => x.body.includes(text))) && [page, api].every((frames) => frames.some((f) => f.includes(text)));
    const deadline = Date.now() + 10_000;
    while (!delivered() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const deliveredIn = Date.now() - postedAt;
    stopping = true;

    for (const [name, seen] of Object.entries(exchanges)) {
      const carrying = seen.filter((x) => x.body.includes(text));
      // Once, on the request that was already held when the post came.
      expect(carrying, name).toHaveLength(1);
      expect(carrying[0]!.askedAt, name).toBeLessThan(postedAt);
      expect(count(carrying[0]!.body, text), name).toBe(1);
    }
    for (const frames of [page, api]) expect(frames.filter((f) => f.includes(text))).toHaveLength(1);
    console.log(`room-sleeps: ${starts.length} room-started lines; the post after the nap reached all 5 listeners in ${deliveredIn} ms`);
    for (const ws of sockets) ws.terminate();
    await Promise.race([Promise.all(loops), new Promise((resolve) => setTimeout(resolve, 100))]);
  }, 90_000);
});
