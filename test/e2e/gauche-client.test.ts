/**
 * The original's own client, byte for byte, against wrangler dev: two
 * Gauche `chaton.client` sessions (chaton-connect, the observer loop,
 * chaton-talk: the exact bytes of Gauche's rfc.http) talk to each other, and
 * what the watcher and the bridges take from a reply is all there.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apilogin, observe, post, readPostReply, type ChatEntry } from "../support/chaton-client";
import { findById } from "../support/dom";
import { startDev, type DevServer } from "../support/wrangler-dev";

const HOLD_SECONDS = 5;
let server: DevServer;
const roomUrl = () => `${server.url}/lobby/`;

beforeAll(async () => {
  const rooms = [
    { name: "lobby", title: "Chaton Lobby", description: "", icon: "/chaton.svg", login: "loose", image_max_px: 400 },
    { name: "members", title: "Members", description: "", icon: "/chaton.svg", login: "strict", image_max_px: 400 },
  ];
  server = await startDev({ vars: { COMET_HOLD_SECONDS: String(HOLD_SECONDS), ROOMS: JSON.stringify(rooms) } });
});

afterAll(async () => {
  await server?.stop();
});

/** chaton-watcher's line for an entry: (sys-strftime "%H:%M" (sys-localtime secs)), the room name, nick and text. */
function watcherLine(roomName: string, entry: ChatEntry): string {
  const at = new Date(entry.sec * 1000);
  const hhmm = `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
  return `${hhmm} [${roomName}] ${entry.nick}: ${entry.text}`;
}

/** chaton-permalink: the room URL, "a", the UTC day, and #entry-<sec hex>-<usec hex, 2 digits at least>. */
function chatonPermalink(room: string, entry: ChatEntry): string {
  const day = new Date(entry.sec * 1000).toISOString().slice(0, 10).replaceAll("-", "/");
  return `${room}a/${day}#entry-${entry.sec.toString(16)}-${entry.usec.toString(16).padStart(2, "0")}`;
}

describe("the Gauche client", () => {
  it("logs in without s, is woken by another Gauche client's post, reads it, and answers", async () => {
    const watcher = await apilogin(roomUrl(), "chaton-watcher");
    const talker = await apilogin(roomUrl(), "chaton-talk");
    expect(watcher.roomName).toBe("Chaton Lobby");
    expect(watcher.cid).not.toBe(talker.cid);

    const held = observe(watcher.cometUri, watcher.cid, watcher.pos, { timeoutMs: (HOLD_SECONDS + 10) * 1000 });
    const text = 'おはよう\n二行目: "quoted" \\ ✓';
    const talked = await post(talker.postUri, "gosh", text, talker.cid);
    expect(talked.status).toBe(200);
    readPostReply(talked.body);

    const reply = await held;
    expect(reply.cid).toBe(watcher.cid);
    expect(reply.content.map((e) => [e.nick, e.text])).toEqual([["gosh", text]]);

    // The watcher answers; the talker's observer sees it.
    const heard = observe(talker.cometUri, talker.cid, reply.pos, { timeoutMs: (HOLD_SECONDS + 10) * 1000 });
    const answered = await post(watcher.postUri, "watcher", "ack 🐱", reply.cid);
    expect(answered.status).toBe(200);
    readPostReply(answered.body);
    const back = await heard;
    expect(back.content.map((e) => [e.nick, e.text])).toEqual([["watcher", "ack 🐱"]]);
    expect(back.pos).toBe(reply.pos + 1);
  });

  it("gives the watcher its line and the bridges a permalink that names the entry on its day page", async () => {
    const bot = await apilogin(roomUrl(), "bridge");
    const held = observe(bot.cometUri, bot.cid, bot.pos, { timeoutMs: (HOLD_SECONDS + 10) * 1000 });
    expect((await post(bot.postUri, "alice", "a link https://example.com/x", bot.cid)).status).toBe(200);
    const [entry] = (await held).content;
    expect(entry).toBeDefined();

    const line = watcherLine(bot.roomName, entry!);
    expect(line).toMatch(/^\d{2}:\d{2} \[Chaton Lobby\] alice: a link https:\/\/example\.com\/x$/);

    const permalink = chatonPermalink(roomUrl(), entry!);
    const [page, anchor] = permalink.split("#") as [string, string];
    const res = await fetch(page, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    const element = findById(await res.text(), anchor);
    expect(element?.text).toContain("a link https://example.com/x");
    expect(element?.text).toContain("alice");
  });

  it("keeps asking with cid -1 in a strict room once its session expired, and every reply reads", async () => {
    const session = await apilogin(`${server.url}/members/`, "loop");
    expect(session.roomName).toBe("Members");
    const expired = await observe(session.cometUri, session.cid === 123 ? 124 : 123, session.pos, { timeoutMs: 5_000 });
    expect(expired).toMatchObject({ cid: -1, pos: 0, content: [] });
    // It never logs in again: it asks with -1, and is told -1 again, readably.
    const again = await observe(session.cometUri, -1, 0, { timeoutMs: 5_000 });
    expect(again).toMatchObject({ cid: -1, pos: 0, content: [] });
  });
});
