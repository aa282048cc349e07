/**
 * The bad-input corpus (test/support/bad-input-corpus.ts) sent through the
 * Worker inside the Workers runtime: every request gets the 4xx it must, with
 * a short reason and never a 5xx or a stack, and no room changes (its log,
 * sequence, archives, lists, users, audit log and chatters).
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Room } from "../../src/room/room";
import { badInputCorpus, roomStates, type BadRequest } from "../support/bad-input-corpus";
import { findElements } from "../support/dom";
import { ORIGIN } from "../support/rooms";

const TOKEN = env.ADMIN_TOKEN!;
const today = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
const corpus = badInputCorpus({ adminToken: TOKEN, member: env.FIRST_USER!, today });

function streamOf(body: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= body.byteLength) return controller.close();
      controller.enqueue(body.slice(at, at + 8192));
      at += 8192;
    },
  });
}

function requestOf(c: BadRequest): Request {
  const headers: Record<string, string> = { ...c.headers };
  if (c.ip !== undefined) headers["CF-Connecting-IP"] = c.ip;
  else headers["CF-Connecting-IP"] ??= "192.0.2.99";
  if (c.body !== undefined && !c.streamed) headers["Content-Length"] = String(c.body.byteLength);
  const body = c.body === undefined ? undefined : c.streamed ? streamOf(c.body) : c.body;
  return new Request(`${ORIGIN}${c.path}`, { method: c.method, headers, body, redirect: "manual", duplex: "half" } as RequestInit);
}

/** A reason is short: at most this many characters. */
const MAX_REASON_CHARS = 200;

/**
 * The reason a refusal gives: a plain-text body is the reason itself (its one line); an HTML page gives
 * it in its alert (the search page) or in its error page's heading and first paragraph. Null: none found.
 */
function reasonOf(res: Response, body: string): string | null {
  if (!(res.headers.get("Content-Type") ?? "").startsWith("text/html")) return body.replace(/\n$/, "");
  const alert = findElements(body, (_tag, attrs) => attrs["role"] === "alert")[0];
  if (alert !== undefined) return alert.text;
  if (findElements(body, (tag, attrs) => tag === "main" && attrs["class"] === "error-page").length === 0) return null;
  const [heading] = findElements(body, (tag) => tag === "h1");
  const [paragraph] = findElements(body, (tag) => tag === "p");
  return heading === undefined || paragraph === undefined ? null : `${heading.text}: ${paragraph.text}`;
}

/** What is wrong with a reason, or null when it is short: not blank, one line, at most MAX_REASON_CHARS characters. */
function reasonProblem(reason: string | null): string | null {
  if (reason === null) return "no reason found in the page";
  if (reason.trim() === "") return "a blank reason";
  if (/[\r\n]/.test(reason)) return `a reason of several lines: ${JSON.stringify(reason.slice(0, 80))}`;
  const chars = [...reason].length;
  if (chars > MAX_REASON_CHARS) return `a reason of ${chars} characters: ${JSON.stringify(reason.slice(0, 80))}`;
  return null;
}

const chatters = () => Promise.all(["lobby", "strict", "secret"].map((room) => runInDurableObject(env.ROOM.getByName(room), (r: Room) => r.clients.count())));

describe("the bad-input corpus", () => {
  it(`should have at least 300 requests over every group (${corpus.length})`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    expect(new Set(corpus.map((c) => c.group))).toEqual(
      new Set(["methods", "form encodings", "missing fields", "parameters", "sizes", "credentials", "admin JSON", "cross-site", "unknown"]),
    );
  });

  it("should answer every request with its 4xx and a short reason, and change nothing", async () => {
    const send = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`${ORIGIN}${path}`, init));
    // Wake the private room with its member, so that its first user exists as it would.
    expect((await send("/secret/var/seq", { headers: { Authorization: `Basic ${btoa(env.FIRST_USER!)}` } })).status).toBe(200);
    const before = await roomStates(send, TOKEN);
    const chattersBefore = await chatters();

    const wrong: string[] = [];
    let reasonsChecked = 0;
    for (const c of corpus) {
      const res = await exports.default.fetch(requestOf(c));
      const body = await res.text();
      const label = `${c.group}: ${c.name} (${c.method} ${c.path.slice(0, 60)})`;
      const mayBeEmpty = res.status === 405 || c.method === "HEAD";
      if (res.status >= 500 || res.status < 400) wrong.push(`${label}: ${res.status}`);
      else if (c.status !== "4xx" && res.status !== c.status) wrong.push(`${label}: ${res.status}, expected ${c.status}`);
      else if (body.trim() === "" && !mayBeEmpty) wrong.push(`${label}: no reason`);
      else if (/^\s*at\s|\(\S+:\d+:\d+\)|Error:|Internal error/m.test(body)) wrong.push(`${label}: leaks ${body.slice(0, 80)}`);
      else if (body.trim() !== "" || !mayBeEmpty) {
        const problem = reasonProblem(reasonOf(res, body));
        if (problem !== null) wrong.push(`${label}: ${problem}`);
        reasonsChecked++;
      }
    }
    expect(wrong).toEqual([]);
    // Every answer (all carry a body) had its reason checked.
    expect(reasonsChecked).toBe(corpus.filter((c) => c.method !== "HEAD").length);

    expect(await roomStates(send, TOKEN)).toEqual(before);
    expect(await chatters()).toEqual(chattersBefore);
  });
});
