// The benchmark's floor: one Durable Object that keeps posts in memory, wakes
// every held long-poll request and broadcasts to every hibernatable WebSocket.
// No escaping, no rendering, no validation beyond avoiding crashes. With the
// var FLOOR_DURABLE (bench --floor-durable) it also stores each post in SQLite
// and awaits storage.sync() before telling anyone: the least a chat that
// acknowledges only stored posts must do.
// Its steps are functions of their own (forward, post, wake, broadcast) so a
// profile splits its time as it splits ours (bench/lib/breakdown.mjs).
import { DurableObject } from "cloudflare:workers";

function forward(request, env) {
  if (!new URL(request.url).pathname.startsWith("/lobby/")) return new Response("Not found", { status: 404 });
  return env.LOBBY.get(env.LOBBY.idFromName("lobby")).fetch(request);
}

export default { fetch: forward };

/** What sockets ask for (frames=html|entries), each also the tag they are accepted with; none: both. */
const KINDS = ["both", "html", "entries"];

function frameOf(kind, pos, nc, entry) {
  return JSON.stringify({
    type: "entries",
    pos,
    nc,
    reset: false,
    ...(kind === "html" ? {} : { entries: [entry] }),
    ...(kind === "entries" ? {} : { html: entry[2] }),
  });
}

export class Floor extends DurableObject {
  /** Posts as wire entries: [nick, [sec, usec], text]. Positions are 1-based: pos = entries.length. */
  entries = [];
  /** Held comet requests: { pos, resolve }. */
  waiters = [];
  served = 0;
  nextCid = 1;

  constructor(ctx, env) {
    super(ctx, env);
    this.durable = Boolean(env.FLOOR_DURABLE);
    if (this.durable) ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS posts (seq INTEGER PRIMARY KEY, nick TEXT, at INTEGER, text TEXT)");
  }

  since(pos) {
    return pos > this.entries.length ? this.entries : this.entries.slice(pos);
  }

  reply(pos) {
    const end = this.entries.length;
    return Response.json({ pos: end, nc: this.waiters.length, ver: "floor", cid: 0, content: this.since(pos) });
  }

  async fetch(request) {
    this.served++;
    const url = new URL(request.url);
    const end = this.entries.length;
    switch (url.pathname) {
      case "/lobby/comet": {
        const pos = Number(url.searchParams.get("p") ?? end) || 0;
        if (pos !== end) return this.reply(pos);
        return new Promise((resolve) => this.waiters.push({ pos, resolve }));
      }
      case "/lobby/ws": {
        const frames = url.searchParams.get("frames");
        const [client, server] = Object.values(new WebSocketPair());
        this.ctx.acceptWebSocket(server, [frames === "html" || frames === "entries" ? frames : "both"]);
        server.send(JSON.stringify({ type: "hello", cid: 0, ver: "floor", nc: 0, pos: end }));
        return new Response(null, { status: 101, webSocket: client });
      }
      case "/lobby/post":
        return this.post(request);
      case "/lobby/apilogin":
        return Response.json({ cid: this.nextCid++, pos: end });
      case "/lobby/var/stats":
        return Response.json({
          "requests-served": this.served,
          "comet-waiting": this.waiters.length,
          sockets: this.ctx.getWebSockets().length,
          "post-sequence": end,
        });
      case "/lobby/var/seq":
        return new Response(String(end));
      default:
        return new Response("Not found", { status: 404 });
    }
  }

  async post(request) {
    const form = await request.formData();
    const now = Date.now();
    const entry = ["bench", [Math.floor(now / 1000), (now % 1000) * 1000], String(form.get("text") ?? "")];
    this.entries.push(entry);
    const pos = this.entries.length;
    if (this.durable) await this.store(pos, entry, now);
    this.wake(pos);
    this.broadcast(pos, entry);
    return Response.json({ stored: true, pos });
  }

  /** The post written to SQLite, and every write so far durable. */
  async store(pos, entry, now) {
    this.ctx.storage.sql.exec("INSERT INTO posts (seq, nick, at, text) VALUES (?, ?, ?, ?)", pos, entry[0], now, entry[2]);
    await this.ctx.storage.sync();
  }

  /** Every held request gets what it has not seen, each distinct reply encoded once. */
  wake(pos) {
    const waiters = this.waiters;
    this.waiters = [];
    const bodies = new Map();
    for (const w of waiters) {
      let body = bodies.get(w.pos);
      if (body === undefined) bodies.set(w.pos, (body = JSON.stringify({ pos, nc: waiters.length, ver: "floor", cid: 0, content: this.since(w.pos) })));
      w.resolve(new Response(body, { headers: { "Content-Type": "application/json" } }));
    }
  }

  /**
   * Each kind of socket gets its frame, made once: the entries, the page's
   * part, or both. The page's part is the text alone, unescaped: the least a
   * page could show.
   */
  broadcast(pos, entry) {
    const groups = KINDS.map((kind) => [kind, this.ctx.getWebSockets(kind)]);
    const nc = groups.reduce((n, [, sockets]) => n + sockets.length, 0);
    for (const [kind, sockets] of groups) {
      if (sockets.length === 0) continue;
      const frame = frameOf(kind, pos, nc, entry);
      for (const ws of sockets) {
        try {
          ws.send(frame);
        } catch {}
      }
    }
  }

  webSocketMessage(ws, message) {
    if (message === "ping") ws.send("pong");
  }

  webSocketClose(ws, code) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {}
  }
}
