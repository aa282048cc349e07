import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { alistToObject, readDatum } from "../../packages/client/src/sexpr";
import { DAY_SECONDS, dayOf, startOfDay } from "../../src/protocol/day";
import { entryAnchor, permalink } from "../../src/protocol/entry";
import { OWN_DELETE_WINDOW_MS } from "../../src/protocol/limits";
import type { PostAck, ServerFrame } from "../../src/protocol/wire";
import { decodeDay } from "../../src/room/archive/format";
import type { Room } from "../../src/room/room";
import { freshRoom, send, type TestRoom } from "../support/rooms";

const AUTHOR_IP = "192.0.2.1";
const feedParser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => name === "item" });

async function postJson(room: TestRoom, text: string, nick = "author"): Promise<Required<PostAck>> {
  const res = await room.post({ nick, text }, { Accept: "application/json" });
  expect(res.status).toBe(200);
  return (await res.json()) as Required<PostAck>;
}

function deleteOwn(room: TestRoom, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return room.fetch("delete", { method: "POST", body: new URLSearchParams(fields), headers: { "CF-Connecting-IP": AUTHOR_IP, ...headers } });
}

const texts = (room: TestRoom) => room.inside((context) => context.log.all().map((e) => e.text));

async function feedTexts(room: TestRoom): Promise<string[]> {
  const xml = await (await room.fetch("var/index.rdf")).text();
  const items = (feedParser.parse(xml) as { rss: { channel: { item?: { title: string }[] } } }).rss.channel.item ?? [];
  return items.map((item) => item.title);
}

describe("deleting one's own post", () => {
  it("should delete it with the secret of its acknowledgement: from the log, RSS and connected pages, audited as the author's", async () => {
    const room = freshRoom();
    await postJson(room, "keep this");
    const ack = await postJson(room, "oops, wrong room");
    const entry = await room.inside((context) => context.log.at(ack.pos)!);
    expect(ack.permalink).toBe(permalink(entry));
    expect(await feedTexts(room)).toHaveLength(2);

    const upgrade = await room.fetch(`ws?p=${ack.pos}`, { headers: { Upgrade: "websocket" } });
    const socket = upgrade.webSocket!;
    const frames: ServerFrame[] = [];
    socket.addEventListener("message", (event) => {
      frames.push(JSON.parse(event.data as string));
    });
    socket.accept();

    const res = await deleteOwn(room, { permalink: ack.permalink, secret: ack.secret }, { Accept: "application/json" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: ack.permalink });
    expect(await texts(room)).toEqual(["keep this"]);
    expect(await feedTexts(room)).toHaveLength(1);
    await expect.poll(() => frames).toContainEqual({ type: "deleted", anchor: entryAnchor(entry) });
    socket.close(1000);

    const audit = await room.inside((context) => context.audit.recent());
    expect(audit[0]).toMatchObject({ actor: `author ${AUTHOR_IP}`, action: "delete-entry", target: `a/${dayOf(entry.sec)}#${entryAnchor(entry)}` });
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ nick: "author", seq: ack.pos, fromLog: true });

    // Gone already: nothing left to delete.
    expect((await deleteOwn(room, { permalink: ack.permalink, secret: ack.secret })).status).toBe(404);
  });

  it("should refuse without the secret, with another post's secret, or with a made-up one, and keep the post", async () => {
    const room = freshRoom();
    const mine = await postJson(room, "mine");
    const theirs = await postJson(room, "theirs", "other");
    const attempts: Record<string, string>[] = [
      { permalink: theirs.permalink },
      { permalink: theirs.permalink, secret: "" },
      { permalink: theirs.permalink, secret: mine.secret },
      { permalink: theirs.permalink, secret: "A".repeat(22) },
      { permalink: theirs.permalink, secret: `${theirs.secret}x` },
    ];
    for (const fields of attempts) {
      const res = await deleteOwn(room, fields);
      expect(res.status, JSON.stringify(fields)).toBe(403);
      expect((await res.text()).trim()).toMatch(/secret/);
    }
    expect(await texts(room)).toEqual(["mine", "theirs"]);
  });

  it("should allow it for 10 minutes after posting and refuse it after, by the room's clock", async () => {
    const room = freshRoom();
    const early = await postJson(room, "deleted in time");
    const late = await postJson(room, "too late to delete");
    await room.inside((context) => context.clock.advance(OWN_DELETE_WINDOW_MS - 5_000));
    expect((await deleteOwn(room, { permalink: early.permalink, secret: early.secret })).status).toBe(200);

    await room.inside((context) => context.clock.advance(10_000));
    const res = await deleteOwn(room, { permalink: late.permalink, secret: late.secret });
    expect(res.status).toBe(403);
    expect((await res.text()).trim()).toBe("Too late: an author may delete a post for 10 minutes after posting");
    expect(await texts(room)).toEqual(["too late to delete"]);
  });

  it("should not let a secret delete an entry whose permalink names another time", async () => {
    const room = freshRoom();
    const ack = await postJson(room, "timed");
    // The same secret with a permalink moved an hour on (the age check reads the permalink's time).
    const entry = await room.inside((context) => context.log.at(ack.pos)!);
    const moved = permalink({ sec: entry.sec + 3600, usec: entry.usec });
    expect((await deleteOwn(room, { permalink: moved, secret: ack.secret })).status).toBe(403);
    expect(await texts(room)).toEqual(["timed"]);
  });

  it("should give a socket poster the same right with the secret of its ack frame", async () => {
    const room = freshRoom();
    const upgrade = await room.fetch("ws?p=0", { headers: { Upgrade: "websocket", "CF-Connecting-IP": AUTHOR_IP } });
    const socket = upgrade.webSocket!;
    const frames: ServerFrame[] = [];
    socket.addEventListener("message", (event) => {
      frames.push(JSON.parse(event.data as string));
    });
    socket.accept();
    socket.send(JSON.stringify({ type: "post", id: "p1", nick: "sock", text: "over the socket" }));
    await expect.poll(() => frames.find((f) => f.type === "ack")).toBeDefined();
    const ack = frames.find((f) => f.type === "ack") as Extract<ServerFrame, { type: "ack" }>;
    expect(ack).toMatchObject({ stored: true, pos: 1, permalink: expect.any(String), secret: expect.any(String) });
    socket.close(1000);
    expect((await deleteOwn(room, { permalink: ack.permalink!, secret: ack.secret! })).status).toBe(200);
    expect(await texts(room)).toEqual([]);
  });

  it("should give API clients the permalink and secret in the S-expression ack, and answer the delete in kind", async () => {
    const room = freshRoom();
    const res = await room.post({ nick: "bot", text: "from Gauche" }, { Accept: "application/x-sexpr" });
    const ack = alistToObject(readDatum(await res.text()));
    expect(ack).toMatchObject({ stored: 1, pos: 1 });
    expect(ack["permalink"]).toMatch(/^a\/\d{4}\/\d\d\/\d\d#entry-[0-9a-f]+-[0-9a-f]+$/);
    const reply = await deleteOwn(room, { permalink: ack["permalink"] as string, secret: ack["secret"] as string }, { Accept: "application/x-sexpr" });
    expect(reply.status).toBe(200);
    expect(alistToObject(readDatum(await reply.text()))).toEqual({ deleted: ack["permalink"] });
  });

  it("should give no secret for a post that is not stored, and a useless one to a blocked address", async () => {
    const room = freshRoom();
    expect(await (await room.post({ nick: "x", text: "   " }, { Accept: "application/json" })).json()).toEqual({ stored: false, pos: 0 });
    await room.inside((context) => context.blocklist.add("192.0.2.66", 0));
    const res = await room.post({ nick: "spam", text: "buy now" }, { Accept: "application/json", "CF-Connecting-IP": "192.0.2.66" });
    const decoy = (await res.json()) as Required<PostAck>;
    expect(decoy).toMatchObject({ stored: true, permalink: expect.any(String), secret: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
    // A post that lands on the decoy's very timestamp still cannot be deleted with it.
    const anchor = decoy.permalink.split("#")[1]!;
    const [sec, usec] = anchor
      .slice("entry-".length)
      .split("-")
      .map((h) => parseInt(h, 16)) as [number, number];
    await room.inside((context) => context.log.append({ nick: "honest", text: "same instant" }, "192.0.2.2", sec * 1000 + usec / 1000));
    expect(await room.inside((context) => entryAnchor(context.log.all()[0]!))).toBe(anchor);
    expect((await deleteOwn(room, { permalink: decoy.permalink, secret: decoy.secret })).status).toBe(403);
  });

  it("should answer bad requests with 400 and other methods with 405", async () => {
    const room = freshRoom();
    expect((await deleteOwn(room, { secret: "x" })).status).toBe(400);
    const malformed = await deleteOwn(room, { permalink: "yesterday's post", secret: "x" });
    expect(malformed.status).toBe(400);
    expect((await malformed.text()).trim()).toMatch(/permalink/);
    const get = await room.fetch("delete");
    expect(get.status).toBe(405);
    expect(get.headers.get("Allow")).toBe("POST");
  });

  it("should delete a post its day's archive already holds, just after midnight", async () => {
    const name = "archive0";
    const stub = env.ROOM.get(env.ROOM.idFromName(name));
    await send(`/${name}/var/seq`);
    const midnight = (startOfDay(Math.floor(Date.now() / 1000)) + DAY_SECONDS) * 1000;
    // The room's clock moved to 3 minutes past the coming midnight; a post made 2 minutes before it.
    const grant = await runInDurableObject(stub, (r: Room) => {
      r.clock.advance(midnight + 3 * 60_000 - r.clock.now());
      const entry = r.log.append({ nick: "night owl", text: "good night" }, AUTHOR_IP, midnight - 2 * 60_000);
      return r.authorSecrets.grant(entry);
    });
    await runDurableObjectAlarm(stub);
    const day = grant.permalink.slice(2, 12);
    expect(decodeDay(await (await env.ARCHIVE.get(`${name}/${day}`))!.text()).map((e) => e.text)).toEqual(["good night"]);

    const res = await send(`/${name}/delete`, { method: "POST", body: new URLSearchParams({ ...grant }), headers: { "CF-Connecting-IP": AUTHOR_IP } });
    expect(res.status).toBe(200);
    expect(decodeDay(await (await env.ARCHIVE.get(`${name}/${day}`))!.text())).toEqual([]);
  });
});
