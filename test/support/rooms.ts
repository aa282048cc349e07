import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import type { Room } from "../../src/room/room";
import { cometThroughRoom } from "../../src/worker/comet-hold";
import { throughRoom } from "../../src/worker/relay-route";

export const ORIGIN = "http://chat.test";

/** Sends a request through the Worker, as a browser or bot would. */
export function send(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, init));
}

/** Resolves to "pending" if `promise` has not settled within `ms`. */
export async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T | "pending"> {
  return Promise.race([promise, new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), ms))]);
}

export interface TestRoom {
  /** The room's URL path, e.g. /lobby/ */
  path: string;
  fetch(relative: string, init?: RequestInit): Promise<Response>;
  post(fields: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  /** Runs `fn` inside the room's Durable Object. */
  inside<R>(fn: (room: Room) => R | Promise<R>): Promise<R>;
  /** A client id issued by the room, as apilogin would issue it. */
  issueCid(): Promise<number>;
  /** Reads a comet reply as JSON (s=0). */
  cometJson(params: Record<string, string | number>): Promise<CometJson>;
}

export interface CometJson {
  pos: number;
  nc: number;
  ver: string;
  cid: number;
  content: [string, [number, number], string][];
}

/**
 * A room with fresh storage: a Durable Object of its own, configured as the
 * room `configName` of the test configuration (lobby: loose, strict: strict).
 * Requests go straight to the object, with the room's URL; a comet request
 * waits outside it as the Worker has it wait (src/worker/comet-hold.ts), and
 * a socket or comet request the room hands to a relay goes there as the Worker sends it.
 */
export function freshRoom(configName = "lobby"): TestRoom {
  const stub = env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID()));
  const path = `/${configName}/`;
  const room: TestRoom = {
    path,
    fetch: (relative, init) => {
      const request = new Request(`${ORIGIN}${path}${relative}`, init);
      const relays = (name: string) => env.RELAY.getByName(name);
      if (relative.startsWith("comet") && request.method === "GET") return cometThroughRoom(stub, relays, request, () => {});
      return relative.startsWith("ws") ? throughRoom(stub, relays, request) : stub.fetch(request);
    },
    post: (fields, headers = {}) =>
      room.fetch("post", { method: "POST", body: new URLSearchParams(fields), headers: { "CF-Connecting-IP": "192.0.2.1", ...headers } }),
    inside: async (fn) => {
      await room.fetch("var/seq");
      return runInDurableObject(stub, (instance: Room) => fn(instance));
    },
    issueCid: () => room.inside((context) => context.clients.issue()!),
    cometJson: async (params) => {
      const query = new URLSearchParams(Object.entries({ s: 0, ...params }).map(([k, v]) => [k, String(v)]));
      const res = await room.fetch(`comet?${query}`);
      return (await res.json()) as CometJson;
    },
  };
  return room;
}

/**
 * A configured room's post sequence, asked of its Durable Object directly:
 * the Worker's var/seq may be up to an interval old by design.
 */
export async function roomSequence(name: string): Promise<number> {
  const res = await env.ROOM.get(env.ROOM.idFromName(name)).fetch(new Request(`${ORIGIN}/${name}/var/seq`));
  return Number(await res.text());
}
