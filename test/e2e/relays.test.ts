import { Agent, request as httpRequest, type ClientRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { CLOSE_MOVING, type ServerFrame, type WireEntry } from "../../src/protocol/wire";
import { runAdmin } from "../support/admin-cli";
import { startDev, type DevServer } from "../support/wrangler-dev";

const TOKEN = "relays-test-admin-token";
const ROOM = "crowd";
const PER_OBJECT = 50;
const SOCKETS = 620;
const COMETS = 80;
const LISTENERS = SOCKETS + COMETS;
/** A short hold: a comet client that stops counts until its last hold ends, and CLIENT_GONE_MS (10 s) after. */
const HOLD_SECONDS = 5;
/** The listeners' addresses, 127.0.0.2 to 127.0.0.60; the HTTP posters' are others. */
const ADDRESSES = Array.from({ length: 59 }, (_, i) => `127.0.0.${i + 2}`);
const POSTERS = ["127.0.0.61", "127.0.0.62"];
const HTTP_POSTS = 30;
const SOCKET_POSTS = 10;
const LEAVING_SOCKETS = 300;
const LEAVING_COMETS = 40;
/** Sockets opened at once: wrangler dev is not flooded. */
const BATCH = 50;
/** A relay may take a few more than its share while the counts it reports are on their way. */
const OVERSHOOT = 10;
const FRAME_KINDS = ["html", "entries", null] as const;
type Kind = (typeof FRAME_KINDS)[number];

let dev: DevServer;
let stopping = false;
/** Keeps one connection pool per local address (the agent names its pools by it). */
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const sockets: SocketListener[] = [];
const comets: CometListener[] = [];

beforeAll(async () => {
  dev = await startDev({
    vars: {
      ADMIN_TOKEN: TOKEN,
      ROOMS: JSON.stringify([{ name: "lobby", title: "Lobby", description: "", icon: "/chaton.svg" }]),
      STATUS_CACHE_SECONDS: "0",
      COMET_HOLD_SECONDS: String(HOLD_SECONDS),
    },
  });
}, 60_000);

afterAll(async () => {
  stopping = true;
  for (const socket of sockets) socket.ws.terminate();
  for (const comet of comets) comet.stop();
  agent.destroy();
  await Promise.race([Promise.allSettled(comets.map((comet) => comet.done)), sleep(2_000)]);
  await dev?.stop();
}, 30_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const admin = (args: string[]) => runAdmin(dev.url, TOKEN, args);

/** An HTTP request from a loopback address of the test's choosing, as another person would send it. */
function httpFrom(
  address: string,
  path: string,
  form?: Record<string, string>,
  started?: (request: ClientRequest) => void,
): Promise<{ status: number; body: string }> {
  const body = form === undefined ? undefined : new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: dev.port,
        path,
        method: body === undefined ? "GET" : "POST",
        localAddress: address,
        agent,
        timeout: 30_000,
        headers: body === undefined ? {} : { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${path} got no answer within 30 s`)));
    req.on("error", reject);
    started?.(req);
    req.end(body);
  });
}

interface Stats {
  sockets: number;
  chatters: number;
  "comet-waiting": number;
  "post-sequence": number;
  relays: { relay: string; sockets: number; comet: number }[];
}

const stats = async () => (await (await fetch(`${dev.url}/${ROOM}/var/stats`, { signal: AbortSignal.timeout(10_000) })).json()) as Stats;
const relayedSockets = (s: Stats) => s.relays.reduce((sum, relay) => sum + relay.sockets, 0);

/** The positions and texts an HTML content carries. */
function fromHtml(html: string): { seqs: number[]; texts: string[] } {
  return {
    seqs: [...html.matchAll(/data-seq="(\d+)"/g)].map((m) => Number(m[1])),
    texts: [...html.matchAll(/<(?:span|pre) class="entry-text" dir="auto">([^<]*)<\/(?:span|pre)>/g)].map((m) => m[1]!),
  };
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i + 1);

/** What a listener has heard: every entry's position and text, in the order they came. */
abstract class Heard {
  readonly seqs: number[] = [];
  readonly texts: string[] = [];
  /** The end it has seen. */
  pos = -1;
  /** The chatters as last told. */
  nc = -1;
  /** The chatters of the last frame or reply that carried entries. */
  entriesNc = -1;
  readonly problems: string[] = [];

  constructor(readonly name: string) {}
}

/** A WebSocket of one kind of frames, keeping every entry it is sent. */
class SocketListener extends Heard {
  ws: WebSocket;
  /** Times the room moved this socket to a relay (close 1012), and it connected again from its position, as the page does. */
  moved = 0;
  private readonly acks = new Map<string, (frame: Extract<ServerFrame, { type: "ack" }>) => void>();
  readonly opened: Promise<void>;

  constructor(
    readonly index: number,
    readonly kind: Kind,
    private readonly address: string,
  ) {
    super(`socket ${index} (${kind ?? "both"}, ${address})`);
    this.ws = this.connect(0);
    this.opened = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no hello within 20 s`)), 20_000);
      this.ws.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      this.ws.once("message", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private connect(pos: number): WebSocket {
    const query = this.kind === null ? `p=${pos}` : `p=${pos}&frames=${this.kind}`;
    const ws = new WebSocket(`${dev.url.replace("http", "ws")}/${ROOM}/ws?${query}`, { localAddress: this.address, perMessageDeflate: false });
    ws.on("message", (data) => this.heard(data.toString()));
    ws.on("close", (code) => {
      if (!stopping && code !== 1000 && code !== CLOSE_MOVING) this.problems.push(`closed with ${code}`);
    });
    return ws;
  }

  private heard(text: string): void {
    const frame = JSON.parse(text) as ServerFrame;
    switch (frame.type) {
      case "hello":
        if (this.pos !== -1 && this.moved === 0) this.problems.push("a second hello, unmoved");
        if (this.pos !== -1 && frame.pos < this.pos) this.problems.push(`a hello at ${frame.pos} after ${this.pos}`);
        this.pos = frame.pos;
        this.nc = frame.nc;
        return;
      case "presence":
        this.nc = frame.nc;
        return;
      case "entries": {
        const parts = frame as { entries?: WireEntry[]; html?: string };
        if (frame.reset) this.problems.push(`a reset at ${frame.pos}`);
        if (frame.pos <= this.pos) this.problems.push(`entries frame to ${frame.pos} after ${this.pos}`);
        const html = parts.html === undefined ? null : fromHtml(parts.html);
        if ((parts.html !== undefined) !== (this.kind !== "entries")) this.problems.push("html where none was asked, or none where asked");
        if ((parts.entries !== undefined) !== (this.kind !== "html")) this.problems.push("entries where none were asked, or none where asked");
        if (parts.entries !== undefined) {
          // No entry is deleted here: the entries after the last end up to this one, each position once.
          if (parts.entries.length !== frame.pos - this.pos) this.problems.push(`${parts.entries.length} entries from ${this.pos} to ${frame.pos}`);
          const seqs = range(this.pos, frame.pos);
          if (html !== null && html.seqs.join() !== seqs.join()) this.problems.push(`html positions ${html.seqs} for ${seqs}`);
          this.seqs.push(...seqs);
          this.texts.push(...parts.entries.map((entry) => entry[2]));
        } else if (html !== null) {
          this.seqs.push(...html.seqs);
          this.texts.push(...html.texts);
        }
        this.pos = frame.pos;
        this.nc = frame.nc;
        this.entriesNc = frame.nc;
        return;
      }
      case "ack":
        if (frame.id !== null) this.acks.get(frame.id)?.(frame);
        return;
      case "moving":
        // As the page does: at once, from where it was, not waiting for this socket's close (1012).
        this.moved++;
        this.ws = this.connect(this.pos);
        return;
      default:
        this.problems.push(`unexpected frame ${text}`);
    }
  }

  /** Sends a post frame and waits for its ack; a stored post's entries frame must have come first. */
  post(id: string, nick: string, text: string): Promise<Extract<ServerFrame, { type: "ack" }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no ack for ${id} within 15 s`)), 15_000);
      this.acks.set(id, (ack) => {
        clearTimeout(timer);
        if (ack.stored && this.pos < ack.pos) this.problems.push(`ack of ${ack.pos} before its entries (at ${this.pos})`);
        resolve(ack);
      });
      this.ws.send(JSON.stringify({ type: "post", id, nick, text, msgid: `m-${id}` }));
    });
  }
}

/** A comet client of JSON replies (s=0), looping as a bot does: ask at its end, read, ask again at the end it was given. */
class CometListener extends Heard {
  /** Requests answered 503 (asked again after a second, as clients do). */
  retries = 0;
  replies = 0;
  private stopped = false;
  private current: ClientRequest | null = null;
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly index: number,
    private readonly address: string,
  ) {
    super(`comet ${index} (${address})`);
  }

  async login(): Promise<void> {
    const res = await httpFrom(this.address, `/${ROOM}/apilogin`, { who: `bot-${this.index}`, s: "0" });
    if (res.status !== 200) throw new Error(`${this.name}: apilogin ${res.status} ${res.body}`);
    const { cid, pos } = JSON.parse(res.body) as { cid: number; pos: number };
    this.pos = pos;
    this.done = this.loop(cid);
  }

  /** Stops asking; a request held now ends with its hold. */
  stop(): void {
    this.stopped = true;
    if (stopping) this.current?.destroy();
  }

  private async loop(cid: number): Promise<void> {
    while (!this.stopped && !stopping) {
      const asked = this.pos;
      let res: { status: number; body: string };
      try {
        res = await httpFrom(this.address, `/${ROOM}/comet?p=${asked}&c=${cid}&s=0`, undefined, (req) => (this.current = req));
      } catch (error) {
        if (!stopping) this.problems.push(`request failed: ${error}`);
        return;
      }
      if (res.status === 503) {
        this.retries++;
        await sleep(1_000);
        continue;
      }
      if (res.status !== 200) {
        this.problems.push(`status ${res.status}: ${res.body}`);
        return;
      }
      const reply = JSON.parse(res.body) as { pos: number; nc: number; cid: number; content: WireEntry[] };
      this.replies++;
      if (reply.cid !== cid) {
        this.problems.push(`client id ${cid} replaced by ${reply.cid}`);
        cid = reply.cid;
      }
      if (reply.pos < asked) this.problems.push(`went back from ${asked} to ${reply.pos}`);
      if (reply.content.length !== reply.pos - asked) this.problems.push(`${reply.content.length} entries from ${asked} to ${reply.pos}`);
      this.seqs.push(...range(asked, reply.pos));
      this.texts.push(...reply.content.map((entry) => entry[2]));
      this.pos = reply.pos;
      this.nc = reply.nc;
      if (reply.content.length > 0) this.entriesNc = reply.nc;
    }
  }
}

/** Opens sockets `from` to `to` (excluded), BATCH at a time, each from its address and of its kind. */
async function openSockets(from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += BATCH) {
    const batch: SocketListener[] = [];
    for (let i = start; i < Math.min(to, start + BATCH); i++) {
      const socket = new SocketListener(i, FRAME_KINDS[i % FRAME_KINDS.length]!, ADDRESSES[i % ADDRESSES.length]!);
      sockets.push(socket);
      batch.push(socket);
    }
    await Promise.all(batch.map((socket) => socket.opened));
  }
}

/** Waits, at most `ms`, until `done` holds; says whether it did. */
async function until(done: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(100);
  }
  return done();
}

const summary = (listeners: Heard[], value: (l: Heard) => unknown) => {
  const counts = new Map<string, number>();
  for (const l of listeners) counts.set(String(value(l)), (counts.get(String(value(l))) ?? 0) + 1);
  return Object.fromEntries(counts);
};

/** The chatters each kind of listener last heard: the first 50 sockets (the room's, moved to relays), the others, the comet clients. */
const heardBy = (listeners: Heard[]) => ({
  own: summary(
    listeners.filter((l) => l instanceof SocketListener && l.index < PER_OBJECT),
    (l) => l.nc,
  ),
  relayed: summary(
    listeners.filter((l) => l instanceof SocketListener && l.index >= PER_OBJECT),
    (l) => l.nc,
  ),
  comet: summary(
    listeners.filter((l) => l instanceof CometListener),
    (l) => l.nc,
  ),
});

describe("a room of 700 listeners, 50 per object", () => {
  it("spreads them over relays, tells each every entry once in one order, acks posts on relays, and counts them as they come and go", async () => {
    const began = Date.now();
    const phases: string[] = [];
    const phase = (name: string) => phases.push(`${name} ${((Date.now() - began) / 1000).toFixed(1)} s`);

    // The room, made at run time through the CLI and the room directory.
    const created = await admin(["room", "create", ROOM, "--title", "Crowd", "--listeners-per-object", String(PER_OBJECT)]);
    expect(created.stderr).toBe(`Room ${ROOM} is open: Crowd\n`);
    expect(created.code).toBe(0);
    const listed = (await (await fetch(`${dev.url}/_admin/rooms`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as {
      rooms: { name: string; settings: Record<string, unknown> }[];
    };
    expect(listed.rooms.find((room) => room.name === ROOM)?.settings).toMatchObject({ listeners_per_object: PER_OBJECT });

    // The room's own 50 first.
    await openSockets(0, PER_OBJECT);
    expect(await stats()).toMatchObject({ sockets: PER_OBJECT, chatters: PER_OBJECT, relays: [] });
    phase("room's own sockets");

    // Then the comet clients, looping while the rest of the sockets come.
    for (let i = 0; i < COMETS; i++) comets.push(new CometListener(i, ADDRESSES[(i * 7) % ADDRESSES.length]!));
    for (let i = 0; i < COMETS; i += 20) await Promise.all(comets.slice(i, i + 20).map((comet) => comet.login()));
    await openSockets(PER_OBJECT, SOCKETS);
    phase("every listener connected");

    let s = await stats();
    const settled = await until(async () => {
      s = await stats();
      return s.chatters === LISTENERS && s.sockets + relayedSockets(s) === SOCKETS;
    }, 15_000);
    expect(settled, `stats: ${JSON.stringify(s)}`).toBe(true);
    phase("chatters 700");
    // Past its 50, the room moved its own sockets to relays too: its work per post is its write and a hand-off per relay.
    expect(s.sockets).toBe(0);
    expect(sockets.filter((socket) => socket.moved > 0).map((socket) => socket.index)).toEqual(range(-1, PER_OBJECT - 1));
    expect(s.relays.length).toBeGreaterThanOrEqual(12);
    for (const relay of s.relays) {
      expect(relay.relay).toMatch(new RegExp(`^${ROOM}/\\d+$`));
      expect(relay.sockets + relay.comet, relay.relay).toBeLessThanOrEqual(PER_OBJECT + OVERSHOOT);
    }
    const placed = (stats: Stats) => stats.relays.map((relay) => `${relay.relay.slice(ROOM.length + 1)}:${relay.sockets}+${relay.comet}`).join(" ");
    const placement = placed(s);
    // Comet clients are held on relays, not in the room, which holds its 50 sockets.
    expect(s["comet-waiting"]).toBe(0);

    // Everyone is told the 700: sockets by presence, comet clients in their next reply.
    const all = (): Heard[] => [...sockets, ...comets];
    const everyoneHears = (nc: number, listeners: Heard[]) => until(() => listeners.every((l) => l.nc === nc), 15_000);
    expect(await everyoneHears(LISTENERS, all()), `nc heard: ${JSON.stringify(heardBy(all()))}`).toBe(true);
    phase("nc 700 heard");

    // Posts: over HTTP from two addresses, and over sockets that sit on relays (every socket past the first 50),
    // of every kind and address.
    const tag = Date.now().toString(36);
    const posted: string[] = [];
    const acks: Extract<ServerFrame, { type: "ack" }>[] = [];
    const posters = Array.from({ length: SOCKET_POSTS }, (_, k) => sockets[PER_OBJECT + k * 58]!);
    for (let round = 0; round < SOCKET_POSTS; round++) {
      const texts = Array.from({ length: HTTP_POSTS / SOCKET_POSTS }, (_, k) => `http ${tag} ${round}.${k}`);
      const socketText = `socket ${tag} ${round}`;
      posted.push(...texts, socketText);
      const [ack, ...answers] = await Promise.all([
        posters[round]!.post(`r${round}`, `relayed${round}`, socketText),
        ...texts.map((text, k) => httpFrom(POSTERS[k % POSTERS.length]!, `/${ROOM}/post`, { nick: `poster${k}`, text })),
      ]);
      for (const answer of answers as { status: number }[]) expect(answer.status).toBe(200);
      acks.push(ack as Extract<ServerFrame, { type: "ack" }>);
    }
    phase("posted");
    for (const [round, ack] of acks.entries()) {
      expect(ack, `ack of socket ${posters[round]!.index}`).toMatchObject({ type: "ack", id: `r${round}`, stored: true });
      expect(ack.pos).toBeGreaterThan(0);
      expect(ack.permalink).toMatch(/^a\/\d{4}\/\d{2}\/\d{2}#entry-/);
    }
    expect(new Set(acks.map((ack) => ack.pos)).size).toBe(SOCKET_POSTS);
    expect(new Set(posters.map((poster) => poster.kind)).size).toBe(FRAME_KINDS.length);
    const end = (await stats())["post-sequence"];
    expect(end).toBe(HTTP_POSTS + SOCKET_POSTS);

    // Every listener reaches the end, within a bounded wait.
    const reached = await until(() => all().every((l) => l.pos === end), 20_000);
    expect(reached, `ends reached: ${JSON.stringify(summary(all(), (l) => l.pos))}`).toBe(true);
    phase("delivered");

    // One order, the room's: positions 1 to the end, each once, with every text posted once.
    const own = sockets[2]!;
    expect(own.kind).toBeNull();
    expect(own.seqs).toEqual(range(0, end));
    expect([...own.texts].sort()).toEqual([...posted].sort());
    for (const [round, ack] of acks.entries()) expect(own.texts[ack.pos - 1]).toBe(`socket ${tag} ${round}`);
    const order = [...own.texts];
    for (const l of all()) {
      expect(l.problems, l.name).toEqual([]);
      expect(l.seqs, l.name).toEqual(range(0, end));
      expect(l.texts, l.name).toEqual(order);
    }
    // And each told the 700 with its entries.
    expect(summary(all(), (l) => l.entriesNc)).toEqual({ [LISTENERS]: LISTENERS });

    // 300 sockets close, some of the room's own among them: the count falls at once, and everyone hears it.
    const leaving = sockets.filter((socket) => socket.index % 2 === 1).slice(0, LEAVING_SOCKETS);
    for (const socket of leaving) socket.ws.close(1000, "bye");
    const afterSockets = LISTENERS - LEAVING_SOCKETS;
    const socketsFell = await until(async () => {
      s = await stats();
      return s.chatters === afterSockets && s.sockets === 0 && relayedSockets(s) === SOCKETS - LEAVING_SOCKETS;
    }, 10_000);
    expect(socketsFell, `stats: ${JSON.stringify(s)}`).toBe(true);
    const stayingSockets = sockets.filter((socket) => !leaving.includes(socket));
    expect(await everyoneHears(afterSockets, [...stayingSockets, ...comets]), `nc heard: ${JSON.stringify(heardBy([...stayingSockets, ...comets]))}`).toBe(
      true,
    );
    phase("sockets left, nc 400 heard");

    // 40 comet clients stop: they count until their last hold has ended and they have been gone 10 s (CLIENT_GONE_MS).
    const stoppedComets = comets.filter((comet) => comet.index % 2 === 1).slice(0, LEAVING_COMETS);
    for (const comet of stoppedComets) comet.stop();
    const staying: Heard[] = [...stayingSockets, ...comets.filter((comet) => !stoppedComets.includes(comet))];
    const left = afterSockets - LEAVING_COMETS;
    const fell = await until(
      async () => {
        s = await stats();
        return s.chatters === left;
      },
      (HOLD_SECONDS + 10 + 8) * 1000,
    );
    expect(fell, `stats: ${JSON.stringify(s)}`).toBe(true);
    phase("chatters 360");

    // Those who stayed get the next entry once, with the count of those left.
    const last = `after leaving ${tag}`;
    expect((await httpFrom(POSTERS[0]!, `/${ROOM}/post`, { nick: "last", text: last })).status).toBe(200);
    expect(await until(() => staying.every((l) => l.pos === end + 1), 15_000), `ends: ${JSON.stringify(summary(staying, (l) => l.pos))}`).toBe(true);
    for (const l of staying) {
      expect(l.problems, l.name).toEqual([]);
      expect(l.seqs, l.name).toEqual(range(0, end + 1));
      expect(l.texts, l.name).toEqual([...order, last]);
      expect(l.entriesNc, l.name).toBe(left);
    }
    for (const l of [...leaving, ...stoppedComets]) expect(l.pos, l.name).toBe(end);
    expect(s.relays.length).toBeGreaterThan(0);
    phase("last post");

    const retries = comets.reduce((sum, comet) => sum + comet.retries, 0);
    const replies = comets.reduce((sum, comet) => sum + comet.replies, 0);
    console.log(
      `relays (index:sockets+comet) with 700: ${placement}; at the end, the room ${s.sockets}+${s["comet-waiting"]}, relays ${placed(s)}; comet replies ${replies}, 503s ${retries}; ${phases.join(", ")}`,
    );
  }, 150_000);
});
