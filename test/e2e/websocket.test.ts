/**
 * The WebSocket transport against a real wrangler dev, with `ws` clients:
 * fan-out to 200 sockets, gap-free resume, and agreement with long-poll.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ServerFrame, WireEntry } from "../../src/protocol/wire";
import { apilogin, observeJson, post, type ChatEntry } from "../support/chaton-client";
import { startDev, type DevServer } from "../support/wrangler-dev";

let dev: DevServer;
const opened: WebSocket[] = [];

beforeAll(async () => {
  dev = await startDev({ vars: { COMET_HOLD_SECONDS: "5", STATUS_CACHE_SECONDS: "0" } });
});

afterAll(async () => {
  for (const ws of opened) ws.terminate();
  await dev?.stop();
});

interface SocketClient {
  ws: WebSocket;
  frames: ServerFrame[];
  hello: Extract<ServerFrame, { type: "hello" }>;
  /** Entries received so far, in order. */
  entries(): WireEntry[];
  waitFor(predicate: () => boolean, ms?: number): Promise<void>;
}

async function openSocket(pos = 0): Promise<SocketClient> {
  const ws = new WebSocket(`${dev.url.replace("http", "ws")}/lobby/ws?p=${pos}`);
  opened.push(ws);
  const frames: ServerFrame[] = [];
  ws.on("message", (data) => {
    const text = data.toString();
    if (text !== "pong") frames.push(JSON.parse(text) as ServerFrame);
  });
  const waitFor = async (predicate: () => boolean, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(frames).slice(0, 500)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  await waitFor(() => frames.some((f) => f.type === "hello"), 10_000);
  return {
    ws,
    frames,
    hello: frames.find((f) => f.type === "hello") as Extract<ServerFrame, { type: "hello" }>,
    entries: () => frames.flatMap((f) => (f.type === "entries" ? f.entries : [])),
    waitFor,
  };
}

const say = async (text: string, nick = "poster") => {
  const reply = await post(`${dev.url}/lobby/post`, nick, text);
  expect(reply.status).toBe(200);
};

/** The room's post sequence (the status cache is off in this file). */
const currentPos = async () => Number(await (await fetch(`${dev.url}/lobby/var/seq`)).text());

const asWire = (e: ChatEntry): WireEntry => [e.nick, [e.sec, e.usec], e.text];

describe("the WebSocket transport", () => {
  it("should deliver a post to all of 200 sockets in one room", async () => {
    const sockets: SocketClient[] = [];
    const pos = await currentPos();
    for (let batch = 0; batch < 4; batch++) {
      sockets.push(...(await Promise.all(Array.from({ length: 50 }, () => openSocket(pos)))));
    }
    await say("to all two hundred");
    await Promise.all(sockets.map((s) => s.waitFor(() => s.entries().some((e) => e[2] === "to all two hundred"), 15_000)));
    expect(sockets.filter((s) => s.entries().filter((e) => e[2] === "to all two hundred").length === 1)).toHaveLength(200);
    for (const s of sockets) s.ws.close(1000);
  });

  it("should give a socket that reconnects with its position exactly the 5 posts it missed", async () => {
    const first = await openSocket(await currentPos());
    await say("seen before leaving");
    await first.waitFor(() => first.entries().some((e) => e[2] === "seen before leaving"));
    const lastFrame = first.frames.filter((f) => f.type === "entries").at(-1) as Extract<ServerFrame, { type: "entries" }>;
    first.ws.close(1000);
    for (let i = 1; i <= 5; i++) await say(`missed ${i}`);
    const again = await openSocket(lastFrame.pos);
    await again.waitFor(() => again.entries().length >= 5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(again.entries().map((e) => e[2])).toEqual(["missed 1", "missed 2", "missed 3", "missed 4", "missed 5"]);
    expect(again.hello.pos).toBe(lastFrame.pos + 5);
    again.ws.close(1000);
  });

  it("should show a long-poll client and a socket the same posts in the same order and the same nc", async () => {
    const session = await apilogin(`${dev.url}/lobby/`, "parity");
    const socket = await openSocket(session.pos);
    const polled: ChatEntry[] = [];
    /** Each post as the long-poll client heard it: its text and the nc of the reply that brought it. */
    const polledNcs: [string, number][] = [];
    let { cid, pos } = session;
    const texts = ["one", "two", "three", "four", "five"];
    const poller = (async () => {
      while (polled.length < texts.length) {
        const reply = await observeJson(session.cometUri, cid, pos, { timeoutMs: 15_000 });
        polled.push(...reply.content);
        for (const entry of reply.content) polledNcs.push([entry.text, reply.nc]);
        ({ cid, pos } = reply);
      }
    })();
    for (const text of texts) {
      await say(text, "parity");
      // Both have it before the next post: each reply and each frame then brings one post, with the nc of its moment.
      await socket.waitFor(() => socket.entries().some((e) => e[2] === text));
      await socket.waitFor(() => polled.some((e) => e.text === text), 15_000);
    }
    await poller;
    expect(polled.map((e) => e.text)).toEqual(texts);
    expect(socket.entries()).toEqual(polled.map(asWire));
    // The same nc with every post, over every reply and every frame that brought one.
    const socketNcs = socket.frames.flatMap((f) => (f.type === "entries" ? f.entries.map((e): [string, number] => [e[2], f.nc]) : []));
    expect(polledNcs.map(([text]) => text)).toEqual(texts);
    expect(socketNcs).toEqual(polledNcs);
    const status = (await (await fetch(`${dev.url}/lobby/var/status.js`)).json()) as Record<string, number>;
    expect(status["num-chatters"]).toBe(polledNcs.at(-1)![1]);
    socket.ws.close(1000);
  });
});
