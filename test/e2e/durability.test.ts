/**
 * Durability: a post acknowledged with 200 is on disk. The server is killed
 * with SIGKILL (no graceful shutdown) right after the acknowledgements, or in
 * the middle of 50 addresses posting (500 posts a round, three rounds on the
 * same storage), a new server is started on the same persistence directory,
 * and the log is read back through the comet endpoint.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { observeJson, post, type ChatEntry } from "../support/chaton-client";
import { startDev, type DevServer } from "../support/wrangler-dev";

const running: DevServer[] = [];
const dirs: string[] = [];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "chaton-e2e-durability-"));
  dirs.push(dir);
  return dir;
}

async function start(persistDir: string): Promise<DevServer> {
  // var/seq straight from the room, not the copy pollers get (up to 10 s old by default).
  const server = await startDev({ persistDir, vars: { STATUS_CACHE_SECONDS: "0" } });
  running.push(server);
  return server;
}

afterEach(async () => {
  // A test that failed half-way may leave a server running: kill it, then drop the data.
  for (const server of running.splice(0)) await server.kill();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function postSequence(server: DevServer): Promise<number> {
  const res = await fetch(`${server.url}/lobby/var/seq`, { signal: AbortSignal.timeout(5_000) });
  expect(res.status).toBe(200);
  return Number(await res.text());
}

/**
 * The whole current log, read as a browser would after a restart: without a
 * cid, p=0 is answered at once with a fresh cid and the whole log (the log is
 * not empty, so nothing is held); asking again with that cid, the same log.
 */
async function readWholeLog(server: DevServer): Promise<{ pos: number; entries: ChatEntry[] }> {
  const cometUri = `${server.url}/lobby/comet`;
  const first = await observeJson(cometUri, null, 0, { timeoutMs: 5_000 });
  expect(Number.isInteger(first.cid)).toBe(true);
  const log = await observeJson(cometUri, first.cid, 0, { timeoutMs: 5_000 });
  expect(log.cid).toBe(first.cid);
  expect(log.content).toEqual(first.content);
  return { pos: log.pos, entries: log.content };
}

function expectStrictlyIncreasingTimestamps(entries: ChatEntry[]): void {
  for (let i = 1; i < entries.length; i++) {
    const a = entries[i - 1]!;
    const b = entries[i]!;
    const later = b.sec > a.sec || (b.sec === a.sec && b.usec > a.usec);
    expect(later, `entry ${i} (${b.sec}, ${b.usec}) is not after (${a.sec}, ${a.usec})`).toBe(true);
  }
}

/** Each text appears at most once; returns where each one is. */
function positions(entries: ChatEntry[]): Map<string, number> {
  const at = new Map<string, number>();
  entries.forEach((entry, index) => {
    expect(at.has(entry.text), `${entry.text} is stored twice`).toBe(false);
    at.set(entry.text, index);
  });
  return at;
}

describe("durability", () => {
  it("every acknowledged post survives a crash", async () => {
    const dir = await freshDir();
    const first = await start(dir);
    const postUri = `${first.url}/lobby/post`;
    const acknowledged: string[] = [];
    for (let i = 1; i <= 40; i++) {
      const text = `msg-${i}`;
      const reply = await post(postUri, "durable", text, undefined, { timeoutMs: 10_000 });
      expect(reply.status, `post ${text}`).toBe(200);
      acknowledged.push(text);
    }
    await first.kill();

    const second = await start(dir);
    expect(await postSequence(second)).toBe(40);
    const log = await readWholeLog(second);
    expect(log.pos).toBe(40);
    expect(log.entries.map((e) => e.text)).toEqual(acknowledged);
    expect(log.entries.every((e) => e.nick === "durable")).toBe(true);
    expectStrictlyIncreasingTimestamps(log.entries);
    await second.stop();
  });

  it("every acknowledged concurrent post survives a crash exactly once, with increasing timestamps", async () => {
    const dir = await freshDir();
    const first = await start(dir);
    const postUri = `${first.url}/lobby/post`;
    const POSTERS = 4;
    const EACH = 10;
    const acknowledged: string[][] = Array.from({ length: POSTERS }, () => []);
    await Promise.all(
      acknowledged.map(async (mine, k) => {
        for (let j = 1; j <= EACH; j++) {
          const text = `p${k}-msg-${j}`;
          const reply = await post(postUri, `poster-${k}`, text, undefined, { timeoutMs: 10_000 });
          expect(reply.status, `post ${text}`).toBe(200);
          mine.push(text);
        }
      }),
    );
    await first.kill();

    const second = await start(dir);
    expect(await postSequence(second)).toBe(POSTERS * EACH);
    const log = await readWholeLog(second);
    expect(log.pos).toBe(POSTERS * EACH);
    expect(log.entries).toHaveLength(POSTERS * EACH);
    const at = positions(log.entries);
    acknowledged.forEach((mine, k) => {
      expect(mine).toHaveLength(EACH);
      // Each poster's own posts are stored in the order it made them.
      const where = mine.map((text) => at.get(text));
      expect(
        where.every((i) => i !== undefined),
        `poster ${k} lost a post`,
      ).toBe(true);
      expect([...where].sort((x, y) => x! - y!)).toEqual(where);
      for (const text of mine) expect(log.entries[at.get(text)!]!.nick).toBe(`poster-${k}`);
    });
    expectStrictlyIncreasingTimestamps(log.entries);
    await second.stop();
  });

  it("a crash while 50 addresses post keeps every acknowledged post and stores none twice, three rounds over the same storage", async () => {
    const dir = await freshDir();
    const POSTERS = 50;
    const EACH = 10;
    /** Acknowledged posts of every round so far, per poster (poster k posts from 127.0.0.(10 + k)). */
    const acknowledged: string[][] = Array.from({ length: POSTERS }, () => []);
    /** Sent but not acknowledged: a crash may or may not have kept them. */
    const uncertain = new Set<string>();
    let server = await start(dir);
    for (const [round, killAfter] of [
      [1, 150],
      [2, 250],
      [3, 350],
    ] as const) {
      const postUri = `${server.url}/lobby/post`;
      let acks = 0;
      let killed: Promise<void> | null = null;
      const crashing = server;
      await Promise.all(
        acknowledged.map(async (mine, k) => {
          for (let j = 1; j <= EACH && killed === null; j++) {
            const text = `r${round}-p${k}-msg-${j}`;
            try {
              const reply = await post(postUri, `poster-${k}`, text, undefined, { timeoutMs: 15_000, localAddress: `127.0.0.${10 + k}` });
              if (reply.status !== 200) throw new Error(`status ${reply.status}`);
              mine.push(text);
              // The crash comes at once after the killAfter-th acknowledgement of the round, with posts in flight.
              if (++acks === killAfter) killed = crashing.kill();
            } catch {
              uncertain.add(text);
              return;
            }
          }
        }),
      );
      expect(killed, `round ${round} reached its crash`).not.toBeNull();
      await killed;
      server = await start(dir);

      const log = await readWholeLog(server);
      expect(await postSequence(server)).toBe(log.entries.length);
      expect(log.pos).toBe(log.entries.length);
      const at = positions(log.entries);
      const sent = new Set([...acknowledged.flat(), ...uncertain]);
      for (const entry of log.entries) expect(sent.has(entry.text), `${entry.text} was never sent`).toBe(true);
      acknowledged.forEach((mine, k) => {
        const where = mine.map((text) => at.get(text));
        expect(
          where.every((i) => i !== undefined),
          `round ${round}: poster ${k} lost an acknowledged post`,
        ).toBe(true);
        expect([...where].sort((x, y) => x! - y!)).toEqual(where);
        for (const text of mine) expect(log.entries[at.get(text)!]!.nick).toBe(`poster-${k}`);
      });
      expectStrictlyIncreasingTimestamps(log.entries);
    }
    // 500 posts a round were made ready; each round was cut by its crash.
    expect(acknowledged.flat().length).toBeGreaterThanOrEqual(150 + 250 + 350);
    await server.stop();
  }, 300_000);
});
