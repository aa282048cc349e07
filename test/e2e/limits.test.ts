/**
 * The limits of issue 18, measured against `wrangler dev` with the default
 * figures (8 posts at once then 30 a minute per client, 240 a minute per
 * address, 120 new client ids a minute per address). Each scenario has its
 * own room and its own loopback address, and they run at once:
 * - 20 people behind one address, each posting 6 times a minute for 2 minutes (240 posts): none refused;
 * - one client posting 5 times a second: refused after its burst, with Retry-After;
 * - an allowlisted address (added with `npm run admin -- allow`) posting 300 in a minute: none refused;
 * - 1,000 apilogins from one address: refused past the limit, the count of chatters bounded.
 * The two that last minutes run on a server whose rooms' clocks run RATE
 * times faster (CLOCK_RATE), their pace scaled alike; the two that are
 * over in seconds, on a server in real time.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_POST_BURST, CLIENT_POSTS_PER_MINUTE, NEW_CLIENTS_PER_MINUTE } from "../../src/protocol/limits";
import { rawRequest, type RawResponse } from "../support/raw-http";
import { PROJECT_ROOT, startDev, type DevServer } from "../support/wrangler-dev";

const run = promisify(execFile);
const TOKEN = "limits-e2e-admin-token";
const ROOMS = ["lobby", "office", "flood", "bridge", "bots"].map((name) => ({ name, title: name, description: "", icon: "/chaton.svg" }));
/** The defaults, written out: the launcher lifts them for other tests. */
const DEFAULT_LIMITS = { POSTS_PER_MINUTE: "240", CLIENT_POST_BURST: "8", CLIENT_POSTS_PER_MINUTE: "30", NEW_CLIENTS_PER_MINUTE: "120" };

/** How many times faster than real time the rooms of `fast` count. */
const RATE = 10;
const VARS = { ...DEFAULT_LIMITS, ADMIN_TOKEN: TOKEN, ROOMS: JSON.stringify(ROOMS), STATUS_CACHE_SECONDS: "0" };

let dev: DevServer;
let fast: DevServer;

beforeAll(async () => {
  [dev, fast] = await Promise.all([startDev({ vars: VARS }), startDev({ vars: { ...VARS, CLOCK_RATE: String(RATE) } })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([dev?.stop(), fast?.stop()]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A form POST from `address`, over its own connection, to the real-time server or `server`. */
function postFrom(address: string, path: string, fields: Record<string, string>, server: DevServer = dev): Promise<RawResponse> {
  const body = Buffer.from(new URLSearchParams(fields).toString());
  const head = [
    `POST ${path} HTTP/1.1`,
    `Host: ${new URL(server.url).host}`,
    "Connection: close",
    "Content-Type: application/x-www-form-urlencoded",
    `Content-Length: ${body.byteLength}`,
  ].join("\r\n");
  return rawRequest(server.url, `${head}\r\n\r\n`, body, { localAddress: address, signal: AbortSignal.timeout(20_000) });
}

/** The room's count of entries, and the time by its clock (ms). */
async function exported(room: string, server: DevServer): Promise<{ sequence: number; now: number }> {
  const res = await fetch(`${server.url}/${room}/admin/export`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return (await res.json()) as { sequence: number; now: number };
}

describe.concurrent("limits that fit real rooms", () => {
  it("should refuse none of 240 posts by 20 people behind one address, each posting 6 times a minute for 2 minutes", async () => {
    const statuses = new Map<number, number>();
    const roomStart = (await exported("office", fast)).now;
    const start = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, async (_, person) => {
        // People do not all type at the same second: each starts at its own moment of the 10 s.
        for (let k = 0; k < 12; k++) {
          const due = start + (person * 500 + k * 10_000) / RATE;
          await sleep(Math.max(0, due - Date.now()));
          const res = await postFrom("127.0.0.31", "/office/post", { nick: `person-${person}`, text: `message ${k} of person ${person}` }, fast);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 200: 240 });
    const end = await exported("office", fast);
    expect(end.sequence).toBe(240);
    // By the room's clock, the posting lasted the two minutes it stands for.
    expect(end.now - roomStart).toBeGreaterThanOrEqual(110_000);
  }, 60_000);

  it("should refuse one client posting 5 times a second after its burst, with Retry-After", async () => {
    const outcomes: { status: number; retryAfter: string | undefined }[] = [];
    for (let i = 0; i < 20; i++) {
      const sent = Date.now();
      const res = await postFrom("127.0.0.32", "/flood/post", { nick: "flooder", text: `flood ${i}` });
      outcomes.push({ status: res.status, retryAfter: res.headers.get("retry-after") });
      await sleep(Math.max(0, sent + 200 - Date.now()));
    }
    const statuses = outcomes.map((o) => o.status);
    expect(statuses.slice(0, CLIENT_POST_BURST)).toEqual(Array(CLIENT_POST_BURST).fill(200));
    expect(statuses[CLIENT_POST_BURST]).toBe(429);
    const refused = outcomes.filter((o) => o.status === 429);
    expect(refused.every((o) => Number(o.retryAfter) >= 1 && Number(o.retryAfter) <= 60 / CLIENT_POSTS_PER_MINUTE)).toBe(true);
    // 4 s at 5 a second: the burst, then what 30 a minute refills.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(CLIENT_POST_BURST + 3);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    // Someone else behind that address still posts.
    expect((await postFrom("127.0.0.32", "/flood/post", { nick: "colleague", text: "hello" })).status).toBe(200);
  }, 60_000);

  it("should refuse none of 300 posts in a minute from an allowlisted address", async () => {
    const { stdout } = await run(
      process.execPath,
      [join(PROJECT_ROOT, "scripts", "admin.mjs"), "--url", fast.url, "--room", "bridge", "allow", "127.0.0.33", "the", "bridge"],
      {
        env: { ...process.env, CHATON_ADMIN_TOKEN: TOKEN },
        timeout: 20_000,
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ added: ["127.0.0.33 # the bridge"] });
    const statuses = new Map<number, number>();
    const start = Date.now();
    // Each post leaves at its moment of the minute, whether or not the one before has been answered.
    await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        await sleep(Math.max(0, start + (i * 200) / RATE - Date.now()));
        const res = await postFrom("127.0.0.33", "/bridge/post", { nick: "bridge", text: `relayed ${i}` }, fast);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }),
    );
    expect((Date.now() - start) * RATE).toBeLessThan(70_000);
    expect(Object.fromEntries(statuses)).toEqual({ 200: 300 });
    expect((await exported("bridge", fast)).sequence).toBe(300);
  }, 60_000);

  it("should refuse 1,000 apilogins from one address past the limit and keep the count of chatters bounded", async () => {
    const statuses = new Map<number, number>();
    let retryAfter: string | undefined;
    for (let batch = 0; batch < 100; batch++) {
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) => postFrom("127.0.0.34", "/bots/apilogin", { who: `bot-${batch * 10 + i}`, s: "0" })),
      );
      for (const res of replies) {
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429) retryAfter ??= res.headers.get("retry-after");
      }
    }
    const given = statuses.get(200) ?? 0;
    expect(given).toBeGreaterThanOrEqual(NEW_CLIENTS_PER_MINUTE);
    expect(given).toBeLessThan(NEW_CLIENTS_PER_MINUTE + 60);
    expect(statuses.get(429)).toBe(1000 - given);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    const status = (await (await fetch(`${dev.url}/bots/var/status.js`)).json()) as { "num-chatters": number };
    expect(status["num-chatters"]).toBeLessThanOrEqual(given);
  }, 120_000);
});
