import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { HOOK_GIVE_UP_MS, HOOK_RETRY_FIRST_MS, HOOK_RETRY_MAX_MS } from "../../src/protocol/limits";
import type { EntryEvent, DeletedEvent, HookInfo, NewHook } from "../../src/protocol/webhooks";
import type { HookFetch } from "../../src/room/hooks/delivery";
import type { Room } from "../../src/room/room";
import { parseHtml } from "../support/html";
import { send } from "../support/rooms";

const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
const RECEIVER = "https://receiver.test/chaton";
const stubOf = (name: string) => env.ROOM.getByName(name);

/** What the receiver in the test saw of one request, and what it answered. */
interface Delivery {
  key: string;
  event: string;
  signature: string;
  contentType: string;
  body: string;
  answered: number | "error";
}

/** A receiver that answers by `script` (a status, or "error" for a failed connection), recording every request. */
function receiver(script: (attempt: number, body: string) => number | "error") {
  const seen: Delivery[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const fetch: HookFetch = async (request) => {
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    try {
      expect(request.url).toBe(RECEIVER);
      expect(request.method).toBe("POST");
      const body = await request.text();
      const answered = script(seen.length, body);
      seen.push({
        key: request.headers.get("Idempotency-Key")!,
        event: request.headers.get("X-Chaton-Event")!,
        signature: request.headers.get("X-Chaton-Signature")!,
        contentType: request.headers.get("Content-Type")!,
        body,
        answered,
      });
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (answered === "error") throw new TypeError("connection refused");
      return new Response(answered === 200 ? "thanks" : "no", { status: answered });
    } finally {
      inFlight--;
    }
  };
  return { seen, fetch, mostInFlight: () => mostInFlight };
}

async function freshRoom(): Promise<string> {
  const name = `out${crypto.randomUUID().slice(0, 8)}`;
  const res = await send("/_admin/rooms", { method: "POST", headers: { ...ADMIN, "Content-Type": "application/json" }, body: JSON.stringify({ name }) });
  expect(res.status).toBe(201);
  return name;
}

/** A room with an outgoing hook to the test's receiver, which is in place before anything is posted. */
async function hookedRoom(script: (attempt: number, body: string) => number | "error") {
  const room = await freshRoom();
  const target = receiver(script);
  await send(`/${room}/var/seq`);
  await runInDurableObject(stubOf(room), (r: Room) => {
    r.hookFetch = target.fetch;
  });
  const res = await send(`/${room}/admin/hooks`, { method: "POST", headers: ADMIN, body: new URLSearchParams({ name: "mirror", to: RECEIVER }) });
  expect(res.status).toBe(200);
  const hook = ((await res.json()) as { hook: NewHook }).hook;
  return { room, hook, target };
}

const post = (room: string, text: string) =>
  send(`/${room}/post`, { method: "POST", body: new URLSearchParams({ nick: "alice", text }), headers: { "CF-Connecting-IP": "192.0.2.5" } });

const hookState = async (room: string): Promise<HookInfo> =>
  ((await (await send(`/${room}/admin/hooks`, { headers: ADMIN })).json()) as { hooks: HookInfo[] }).hooks[0]!;

const advance = (room: string, ms: number) => runInDurableObject(stubOf(room), (r: Room) => r.clock.advance(ms));

/** Runs the room's alarm (Miniflare may run one set for now by itself too) and lets its requests finish. */
async function runAlarm(room: string): Promise<void> {
  await runDurableObjectAlarm(stubOf(room));
  await new Promise((resolve) => setTimeout(resolve, 20));
}

async function verifies(secret: string, body: string, signature: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const mac = Uint8Array.from(signature.replace(/^sha256=/, "").match(/../g)!, (h) => parseInt(h, 16));
  return crypto.subtle.verify("HMAC", key, mac, encoder.encode(body));
}

describe("outgoing webhooks", () => {
  it("should POST each new entry as JSON whose signature verifies with the hook's secret", async () => {
    const { room, hook, target } = await hookedRoom(() => 200);
    expect(hook).toMatchObject({ direction: "out", url: RECEIVER, secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect((await post(room, "hello, receiver")).status).toBe(200);
    await runAlarm(room);

    expect(target.seen).toHaveLength(1);
    const [delivery] = target.seen;
    expect(delivery).toMatchObject({ key: `${room}:1`, event: "entry", contentType: "application/json; charset=utf-8", answered: 200 });
    const event = JSON.parse(delivery!.body) as EntryEvent;
    expect(event).toEqual({
      event: "entry",
      room,
      pos: 1,
      nick: "alice",
      time: [expect.any(Number), expect.any(Number)],
      text: "hello, receiver",
      permalink: expect.any(String),
    });
    expect(delivery!.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(await verifies(hook.secret!, delivery!.body, delivery!.signature)).toBe(true);
    expect(await verifies(hook.secret!, delivery!.body.replace("hello", "jello"), delivery!.signature)).toBe(false);

    // The permalink opens the entry on its day page.
    const link = new URL(event.permalink);
    expect(link.origin).toBe("http://chat.test");
    const page = await parseHtml(await (await send(link.pathname)).text());
    expect(page.elements.some((e) => e.attrs["id"] === link.hash.slice(1))).toBe(true);
    expect(await hookState(room)).toMatchObject({ state: "ok", queued: 0, lastError: null });
  });

  it("should queue the entry with the post and bring the alarm forward", async () => {
    const { room } = await hookedRoom(() => 200);
    await runInDurableObject(stubOf(room), async (_r: Room, state) => {
      await state.storage.setAlarm(Date.now() + 3_600_000);
    });
    // Armed an hour ahead; this instance does not know it and reads it once.
    expect((await post(room, "queued")).status).toBe(200);
    const [queued, alarm] = await runInDurableObject(stubOf(room), async (_r: Room, state) => [
      state.storage.sql
        .exec("SELECT key FROM hook_outbox")
        .toArray()
        .map((row) => row["key"]),
      await state.storage.getAlarm(),
    ]);
    expect(queued).toEqual([`${room}:1`]);
    expect(alarm).not.toBeNull();
    expect(alarm as number).toBeLessThanOrEqual(Date.now());
  });

  it("should retry after a 500 with back-off, sending the same body and key", async () => {
    const { room, target } = await hookedRoom((attempt) => (attempt === 0 ? 500 : 200));
    await post(room, "try me twice");
    await runAlarm(room);
    expect(target.seen.map((d) => d.answered)).toEqual([500]);
    expect(await hookState(room)).toMatchObject({ state: "failing", queued: 1, lastError: "HTTP 500", failingSince: expect.any(Number) });

    // Not before the back-off ends.
    await runAlarm(room);
    expect(target.seen).toHaveLength(1);
    const alarm = await runInDurableObject(stubOf(room), (_r: Room, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();

    await advance(room, HOOK_RETRY_FIRST_MS);
    await runAlarm(room);
    expect(target.seen.map((d) => d.answered)).toEqual([500, 200]);
    expect(target.seen[1]!.body).toBe(target.seen[0]!.body);
    expect(target.seen[1]!.key).toBe(target.seen[0]!.key);
    expect(await hookState(room)).toMatchObject({ state: "ok", queued: 0, failingSince: null });
  });

  it("should deliver entries in the order of their positions, one at a time", async () => {
    const { room, target } = await hookedRoom(() => 200);
    for (let i = 1; i <= 8; i++) await post(room, `entry ${i}`);
    for (let run = 0; run < 5 && target.seen.length < 8; run++) await runAlarm(room);
    expect(target.seen.map((d) => (JSON.parse(d.body) as EntryEvent).pos)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(target.seen.map((d) => (JSON.parse(d.body) as EntryEvent).text)).toEqual(Array.from({ length: 8 }, (_, i) => `entry ${i + 1}`));
    expect(target.mostInFlight()).toBe(1);
  });

  it("should switch off a receiver that fails for a day, drop its queue and say so in the audit log", async () => {
    const { room, hook, target } = await hookedRoom(() => "error");
    await post(room, "into the void");
    await runAlarm(room);
    expect(target.seen).toHaveLength(1);
    expect((await hookState(room)).lastError).toMatch(/connection refused/);

    // Failing on and off for a day: each back-off doubles, up to its ceiling.
    let waited = 0;
    while (waited < HOOK_GIVE_UP_MS) {
      await advance(room, HOOK_RETRY_MAX_MS);
      waited += HOOK_RETRY_MAX_MS;
      await runInDurableObject(stubOf(room), async (r: Room) => {
        await r.alarm();
      });
    }
    const state = await hookState(room);
    expect(state).toMatchObject({ state: "off", queued: 0, disabledAt: expect.any(Number) });
    const tries = target.seen.length;
    expect(tries).toBeGreaterThan(HOOK_GIVE_UP_MS / HOOK_RETRY_MAX_MS - 5);

    const audit = (await (await send(`/${room}/admin/audit`, { headers: ADMIN })).json()) as {
      audit: { actor: string; action: string; target: string; detail: string }[];
    };
    const off = audit.audit.find((a) => a.action === "hook-off")!;
    expect(off).toMatchObject({ actor: "room", target: hook.id });
    expect(JSON.parse(off.detail)).toMatchObject({ name: "mirror", to: RECEIVER, dropped: 1, lastError: expect.stringMatching(/connection refused/) });

    // Switched off: new entries are not queued for it, nothing more is sent.
    await post(room, "after the switch");
    await runAlarm(room);
    expect(target.seen).toHaveLength(tries);
    expect(await runInDurableObject(stubOf(room), (_r: Room, state) => state.storage.sql.exec("SELECT count(*) AS n FROM hook_outbox").one()["n"])).toBe(0);
  });

  it("should deliver every position at least once and skip none, through failures of every kind", async () => {
    // A receiver that fails often, deterministically: errors, 500s, 503s, a 302.
    const failures = [500, "error", 503, 302, 500] as const;
    const { room, target } = await hookedRoom((attempt) => (attempt % 3 === 1 ? failures[attempt % failures.length]! : 200));
    const POSTS = 30;
    for (let i = 1; i <= POSTS; i++) {
      await post(room, `message ${i}`);
      if (i % 4 === 0) await runAlarm(room);
    }
    for (let run = 0; run < 200 && (await hookState(room)).queued > 0; run++) {
      await advance(room, HOOK_RETRY_MAX_MS);
      await runAlarm(room);
    }
    expect((await hookState(room)).queued).toBe(0);
    const tried = target.seen.map((d) => (JSON.parse(d.body) as EntryEvent).pos);
    const delivered = target.seen.filter((d) => d.answered === 200).map((d) => (JSON.parse(d.body) as EntryEvent).pos);
    expect(delivered).toEqual(Array.from({ length: POSTS }, (_, i) => i + 1));
    expect(target.seen.some((d) => d.answered !== 200)).toBe(true);
    // Tries go in order too: a failed position is tried again before any later one.
    for (let i = 1; i < tried.length; i++) expect(tried[i]).toBeGreaterThanOrEqual(tried[i - 1]!);
  });

  it("should send a deletion as its own event, with the entry's position", async () => {
    const { room, target } = await hookedRoom(() => 200);
    await post(room, "regrettable");
    await runAlarm(room);
    const entry = JSON.parse(target.seen[0]!.body) as EntryEvent;
    const deleted = await send(`/${room}/admin/delete`, { method: "POST", headers: ADMIN, body: new URLSearchParams({ permalink: entry.permalink }) });
    expect(deleted.status).toBe(200);
    await runAlarm(room);
    expect(target.seen).toHaveLength(2);
    expect(target.seen[1]).toMatchObject({ event: "deleted", key: `${room}:1:deleted` });
    expect(JSON.parse(target.seen[1]!.body) as DeletedEvent).toEqual({
      event: "deleted",
      room,
      pos: 1,
      time: entry.time,
      anchor: new URL(entry.permalink).hash.slice(1),
      permalink: entry.permalink,
    });
  });

  it("should send a hook only the entries stored after it was made, and nothing once removed", async () => {
    const room = await freshRoom();
    await post(room, "before any hook");
    const target = receiver(() => 500);
    await runInDurableObject(stubOf(room), (r: Room) => {
      r.hookFetch = target.fetch;
    });
    const res = await send(`/${room}/admin/hooks`, { method: "POST", headers: ADMIN, body: new URLSearchParams({ name: "late", to: RECEIVER }) });
    const hook = ((await res.json()) as { hook: NewHook }).hook;
    await post(room, "after the hook");
    await runAlarm(room);
    expect(target.seen.map((d) => (JSON.parse(d.body) as EntryEvent).text)).toEqual(["after the hook"]);

    expect((await send(`/${room}/admin/hook-remove`, { method: "POST", headers: ADMIN, body: new URLSearchParams({ id: hook.id }) })).status).toBe(200);
    await advance(room, HOOK_RETRY_MAX_MS);
    await post(room, "after removal");
    await runAlarm(room);
    expect(target.seen).toHaveLength(1);
    expect(await runInDurableObject(stubOf(room), (_r: Room, state) => state.storage.sql.exec("SELECT count(*) AS n FROM hook_outbox").one()["n"])).toBe(0);
  });
});
