/**
 * Watchers across a crash: the server is killed (SIGKILL) in the middle of a
 * watch and started again on the same port and storage; `chaton watch`, over
 * the WebSocket and over comet with S-expression replies, carries on with
 * no gap and no duplicate.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { post } from "../support/chaton-client";
import { buildClient, Watcher } from "../support/chaton-cli";
import { startDev, type DevServer } from "../support/wrangler-dev";

const VARS = { COMET_HOLD_SECONDS: "5", STATUS_CACHE_SECONDS: "0" };
const running: DevServer[] = [];
const watchers: Watcher[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const watcher of watchers.splice(0)) await watcher.stop("SIGKILL");
  for (const server of running.splice(0)) await server.kill();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

interface WatchRecord {
  pos: number | null;
  text: string;
}

async function say(server: DevServer, text: string): Promise<void> {
  const reply = await post(`${server.url}/lobby/post`, "poster", text, undefined, { timeoutMs: 10_000 });
  expect(reply.status).toBe(200);
}

describe("chaton watch across a server crash", () => {
  it("should carry on after the server is killed and restarted, with no gap and no duplicate, over both transports", { timeout: 90_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "chaton-e2e-restart-"));
    dirs.push(dir);
    const [first] = await Promise.all([startDev({ persistDir: dir, vars: VARS }), buildClient()]);
    running.push(first);
    const port = Number(new URL(first.url).port);
    const room = `${first.url}/lobby/`;

    // Reconnects at most 2 s apart, so that the test does not wait out a long back-off.
    const overSocket = new Watcher([room, "--json", "--retry-max", "2"]);
    const overComet = new Watcher([room, "--json", "--transport", "comet", "--sexpr", "--retry-max", "2"]);
    watchers.push(overSocket, overComet);
    await overSocket.waitFor(() => /connected to .* \(ws\)/.test(overSocket.stderr), "the socket");
    await overComet.waitFor(() => /connected to .* \(comet\)/.test(overComet.stderr), "comet");

    for (const text of ["before 1", "before 2", "before 3"]) await say(first, text);
    for (const watcher of [overSocket, overComet]) await watcher.waitFor(() => watcher.lines().length >= 3, "the posts before the crash");

    await first.kill();
    running.splice(running.indexOf(first), 1);
    for (const watcher of [overSocket, overComet]) await watcher.waitFor(() => /connection lost/.test(watcher.stderr), "noticing the crash");

    const second = await startDev({ persistDir: dir, port, vars: VARS });
    running.push(second);
    for (const text of ["after 1", "after 2", "after 3"]) await say(second, text);
    for (const watcher of [overSocket, overComet]) await watcher.waitFor(() => watcher.lines().length >= 6, "the posts after the restart", 40_000);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const expected = ["before 1", "before 2", "before 3", "after 1", "after 2", "after 3"];
    for (const watcher of [overSocket, overComet]) {
      const records = watcher.records<WatchRecord>();
      expect(records.map((r) => r.text)).toEqual(expected);
      expect(records.map((r) => r.pos)).toEqual([1, 2, 3, 4, 5, 6]);
    }
    expect(overSocket.stderr).toMatch(/connected to .* \(ws\)[\s\S]*connection lost[\s\S]*connected to .* \(ws\)/);
    for (const watcher of [overSocket, overComet]) expect(await watcher.stop()).toBe(0);
    await second.stop();
    running.splice(running.indexOf(second), 1);
  });
});
