/**
 * The limits of issue 18, measured in real time against `wrangler dev` with
 * the default figures (8 posts at once then 30 a minute per client, 240 a
 * minute per address, 120 new client ids a minute per address). Each
 * scenario has its own room and its own loopback address, and they run at
 * once, so the file takes as long as the longest (2 minutes of posting):
 * - 20 people behind one address, each posting 6 times a minute for 2 minutes (240 posts): none refused;
 * - one client posting 5 times a second: refused after its burst, with Retry-After;
 * - an allowlisted address (added with `npm run admin -- allow`) posting 300 in a minute: none refused;
 * - 1,000 apilogins from one address: refused past the limit, the count of chatters bounded.
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

let dev: DevServer;

beforeAll(async () => {
  dev = await startDev({ vars: { ...DEFAULT_LIMITS, ADMIN_TOKEN: TOKEN, ROOMS: JSON.stringify(ROOMS), STATUS_CACHE_SECONDS: "0" } });
}, 60_000);

afterAll(async () => {
  await dev?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A form POST from `address`, over its own connection. */
function postFrom(address: string, path: string, fields: Record<string, string>): Promise<RawResponse> {
  const body = Buffer.from(new URLSearchParams(fields).toString());
  const head = [
    `POST ${path} HTTP/1.1`,
    `Host: ${new URL(dev.url).host}`,
    "Connection: close",
    "Content-Type: application/x-www-form-urlencoded",
    `Content-Length: ${body.byteLength}`,
  ].join("\r\n");
  return rawRequest(dev.url, `${head}\r\n\r\n`, body, { localAddress: address, signal: AbortSignal.timeout(20_000) });
}

async function sequence(room: string): Promise<number> {
  const res = await fetch(`${dev.url}/${room}/admin/export`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return ((await res.json()) as { sequence: number }).sequence;
}

describe.concurrent("limits that fit real rooms", () => {
  it("should refuse none of 240 posts by 20 people behind one address, each posting 6 times a minute for 2 minutes", async () => {
    const statuses = new Map<number, number>();
    const start = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, async (_, person) => {
        // People do not all type at the same second: each starts at its own moment of the 10 s.
        await sleep(person * 500);
        for (let k = 0; k < 12; k++) {
          const due = start + person * 500 + k * 10_000;
          await sleep(Math.max(0, due - Date.now()));
          const res = await postFrom("127.0.0.31", "/office/post", { nick: `person-${person}`, text: `message ${k} of person ${person}` });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 200: 240 });
    expect(await sequence("office")).toBe(240);
  }, 180_000);

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
      [join(PROJECT_ROOT, "scripts", "admin.mjs"), "--url", dev.url, "--room", "bridge", "allow", "127.0.0.33", "the", "bridge"],
      {
        env: { ...process.env, CHATON_ADMIN_TOKEN: TOKEN },
        timeout: 20_000,
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ added: ["127.0.0.33 # the bridge"] });
    const statuses = new Map<number, number>();
    const start = Date.now();
    for (let i = 0; i < 300; i++) {
      await sleep(Math.max(0, start + i * 200 - Date.now()));
      const res = await postFrom("127.0.0.33", "/bridge/post", { nick: "bridge", text: `relayed ${i}` });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    expect(Date.now() - start).toBeLessThan(70_000);
    expect(Object.fromEntries(statuses)).toEqual({ 200: 300 });
    expect(await sequence("bridge")).toBe(300);
  }, 120_000);

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
