/**
 * Outgoing webhooks across a crash: a receiver on loopback, a hook made by
 * `npm run admin`, posts acknowledged, then `wrangler dev` killed (SIGKILL)
 * while deliveries are going on and started again on the same port and
 * persistence directory. The receiver must see every position at least once,
 * in order, each signed with the hook's secret.
 */
import { execFile } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT, startDev, type DevServer } from "../support/wrangler-dev";

const run = promisify(execFile);
const TOKEN = "webhook-restart-admin-token";
const POSTS = 40;

const running: DevServer[] = [];
const dirs: string[] = [];
let receiverServer: Server | null = null;

afterEach(async () => {
  for (const server of running.splice(0)) await server.kill();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  await new Promise((resolve) => (receiverServer ? receiverServer.close(resolve) : resolve(null)));
  receiverServer = null;
});

interface Received {
  key: string;
  pos: number;
  signed: boolean;
}

/** A receiver on 127.0.0.1 that checks each signature, takes a while to answer, and answers one request 500. */
async function startReceiver(secret: () => string): Promise<{ url: string; seen: Received[] }> {
  const seen: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac("sha256", secret()).update(body).digest("hex")}`);
      const given = Buffer.from(String(req.headers["x-chaton-signature"] ?? ""));
      const event = JSON.parse(body.toString("utf8")) as { pos: number };
      seen.push({ key: String(req.headers["idempotency-key"]), pos: event.pos, signed: given.length === expected.length && timingSafeEqual(given, expected) });
      // Slow enough that the crash comes with deliveries still to do; the third request fails once.
      setTimeout(() => {
        res.statusCode = seen.length === 3 ? 500 : 200;
        res.end();
      }, 60);
    });
  });
  receiverServer = server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no receiver port");
  return { url: `http://127.0.0.1:${address.port}/chaton-hook`, seen };
}

async function admin(server: DevServer, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [join(PROJECT_ROOT, "scripts", "admin.mjs"), "--url", server.url, ...args], {
    env: { ...process.env, CHATON_ADMIN_TOKEN: TOKEN },
    timeout: 20_000,
  });
  return stdout;
}

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("outgoing webhooks across a restart", () => {
  it("a crash of wrangler dev in the middle of deliveries loses none", async () => {
    const dir = await mkdtemp(join(tmpdir(), "chaton-e2e-hooks-"));
    dirs.push(dir);
    let secret = "";
    const receiver = await startReceiver(() => secret);
    const first = await startDev({ persistDir: dir, vars: { ADMIN_TOKEN: TOKEN } });
    running.push(first);

    secret = (await admin(first, ["webhook", "add", "lobby", "mirror", "--to", receiver.url])).trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const listed = (await admin(first, ["webhook", "list", "lobby"])).trim().split("\t");
    expect(listed.slice(1, 4)).toEqual(["out", "mirror", receiver.url]);

    for (let i = 1; i <= POSTS; i++) {
      const res = await fetch(`${first.url}/lobby/post`, {
        method: "POST",
        body: new URLSearchParams({ nick: "poster", text: `message ${i}` }),
        headers: { Accept: "application/json" },
        signal: AbortSignal.timeout(10_000),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { pos: number }).pos).toBe(i);
    }
    await waitFor(() => receiver.seen.length >= 8, 20_000, "deliveries to start");
    await first.kill();
    const beforeCrash = new Set(receiver.seen.map((r) => r.pos)).size;
    expect(beforeCrash).toBeLessThan(POSTS);

    // The same port, so the hook's permalinks and the receiver's view of the site stay the same.
    const second = await startDev({ persistDir: dir, port: first.port, vars: { ADMIN_TOKEN: TOKEN } });
    running.push(second);
    await waitFor(() => new Set(receiver.seen.map((r) => r.pos)).size === POSTS, 45_000, "every position to arrive after the restart");

    const positions = receiver.seen.map((r) => r.pos);
    expect([...new Set(positions)].sort((a, b) => a - b)).toEqual(Array.from({ length: POSTS }, (_, i) => i + 1));
    for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThanOrEqual(positions[i - 1]!);
    expect(receiver.seen.every((r) => r.signed)).toBe(true);
    expect(receiver.seen.every((r) => r.key === `lobby:${r.pos}`)).toBe(true);
    await second.stop();
  }, 120_000);
});
