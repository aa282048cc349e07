// The benchmark's floor: one Durable Object that keeps posts in memory, wakes
// every held long-poll request and broadcasts to every hibernatable WebSocket.
// No escaping, no rendering, no storage, no validation beyond avoiding crashes.
import { DurableObject } from "cloudflare:workers";

export default {
  fetch(request, env) {
    if (!new URL(request.url).pathname.startsWith("/lobby/")) return new Response("Not found", { status: 404 });
    return env.LOBBY.get(env.LOBBY.idFromName("lobby")).fetch(request);
  },
};

export class Floor extends DurableObject {
  /** Posts as wire entries: [nick, [sec, usec], text]. Positions are 1-based: pos = entries.length. */
  entries = [];
  /** Held comet requests: { pos, resolve }. */
  waiters = [];
  served = 0;
  nextCid = 1;

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
        const [client, server] = Object.values(new WebSocketPair());
        this.ctx.acceptWebSocket(server);
        server.send(JSON.stringify({ type: "hello", cid: 0, ver: "floor", nc: 0, pos: end }));
        return new Response(null, { status: 101, webSocket: client });
      }
      case "/lobby/post": {
        const form = await request.formData();
        const now = Date.now();
        const entry = ["bench", [Math.floor(now / 1000), (now % 1000) * 1000], String(form.get("text") ?? "")];
        this.entries.push(entry);
        const pos = this.entries.length;
        const waiters = this.waiters;
        this.waiters = [];
        const bodies = new Map();
        for (const w of waiters) {
          let body = bodies.get(w.pos);
          if (body === undefined) bodies.set(w.pos, (body = JSON.stringify({ pos, nc: waiters.length, ver: "floor", cid: 0, content: this.since(w.pos) })));
          w.resolve(new Response(body, { headers: { "Content-Type": "application/json" } }));
        }
        const sockets = this.ctx.getWebSockets();
        const frame = JSON.stringify({ type: "entries", pos, nc: sockets.length, reset: false, entries: [entry], html: "" });
        for (const ws of sockets) {
          try {
            ws.send(frame);
          } catch {}
        }
        return Response.json({ stored: true, pos });
      }
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

  webSocketMessage(ws, message) {
    if (message === "ping") ws.send("pong");
  }

  webSocketClose(ws, code) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {}
  }
}
