import { describe, expect, it } from "vitest";
import type { ChatonEvent } from "../src/events.js";
import { bridge, deliver } from "../examples/webhook-bridge.mjs";
import { fakeFetch, json, text } from "./support/fake-fetch.js";
const HOOK = "http://hooks.test/chaton";

/** A room that yields these events, then ends. */
function roomOf(events: ChatonEvent[]) {
  return {
    roomName: "Chaton Lobby",
    events: async function* () {
      yield* events;
    },
  } as never;
}

const permalink = (pos: number) => `http://chat.test/lobby/a/2023/11/14#entry-${(1700000000 + pos).toString(16)}-00`;
const entry = (pos: number, text: string): ChatonEvent => ({
  type: "entry",
  pos,
  nick: "alice",
  time: [1700000000 + pos, 0],
  text,
  permalink: permalink(pos),
});

const quick = { minDelayMs: 1, maxDelayMs: 2, log: () => {} };

describe("the webhook bridge example", () => {
  it("should POST each entry as JSON, in order, with its permalink as the idempotency key", async () => {
    const { fetch, requests } = fakeFetch([json({}), json({})]);
    const bodies: unknown[] = [];
    const recording: typeof globalThis.fetch = async (input, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return fetch(input, init);
    };
    await bridge(roomOf([entry(1, "one"), { type: "presence", nc: 2 }, entry(2, "two")]), HOOK, { ...quick, fetch: recording });
    expect(requests.map((r) => [r.url, r.method, r.headers.get("Content-Type")])).toEqual([
      [HOOK, "POST", "application/json"],
      [HOOK, "POST", "application/json"],
    ]);
    expect(requests.map((r) => r.headers.get("Idempotency-Key"))).toEqual([permalink(1), permalink(2)]);
    expect(bodies).toEqual([
      { room: "Chaton Lobby", pos: 1, nick: "alice", time: [1700000001, 0], text: "one", permalink: permalink(1) },
      { room: "Chaton Lobby", pos: 2, nick: "alice", time: [1700000002, 0], text: "two", permalink: permalink(2) },
    ]);
  });

  it("should retry a webhook that fails or is busy, and stop at a refusal", async () => {
    const { fetch, requests } = fakeFetch([new TypeError("fetch failed"), text("busy", 503), text("slow down", 429, { "Retry-After": "0" }), json({})]);
    expect(await deliver(HOOK, { permalink: "p" }, { ...quick, fetch })).toBe(true);
    expect(requests).toHaveLength(4);
    const refused = fakeFetch([text("no", 400)]);
    expect(await deliver(HOOK, { permalink: "p" }, { ...quick, fetch: refused.fetch })).toBe(false);
    expect(refused.requests).toHaveLength(1);
  });

  it("should give up on an entry after its attempts and carry on with the next", async () => {
    const { fetch, requests } = fakeFetch([text("down", 502), text("down", 502), json({})]);
    const logged: string[] = [];
    await bridge(roomOf([entry(1, "lost"), entry(2, "kept")]), HOOK, { ...quick, attempts: 2, fetch, log: (line: string) => logged.push(line) });
    expect(requests).toHaveLength(3);
    expect(logged.some((line) => line.startsWith("gave up on") && line.includes("6553f101"))).toBe(true);
  });
});
