import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DAY_SECONDS, dayOf, startOfDay } from "../../src/protocol/day";
import { entryAnchor, type Entry } from "../../src/protocol/entry";
import type { ServerFrame } from "../../src/protocol/wire";
import { decodeDay } from "../../src/room/archive/format";
import type { Room } from "../../src/room/room";
import { send } from "../support/rooms";

const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
const TODAY = startOfDay(Math.floor(Date.now() / 1000));
const stubOf = (room: string) => env.ROOM.get(env.ROOM.idFromName(room));

function admin(room: string, command: string, fields?: Record<string, string>) {
  return send(`/${room}/admin/${command}`, fields ? { method: "POST", body: new URLSearchParams(fields), headers: ADMIN } : { headers: ADMIN });
}

function postFrom(room: string, ip: string, text: string) {
  return send(`/${room}/post`, { method: "POST", body: new URLSearchParams({ nick: "poster", text }), headers: { "CF-Connecting-IP": ip } });
}

const sequence = (room: string) => runInDurableObject(stubOf(room), (r: Room) => r.log.end);

describe("deleting an entry", () => {
  it("should remove it from the current log, its day archive, RSS and connected pages, and audit it", async () => {
    const room = "archive0";
    const stub = stubOf(room);
    await send(`/${room}/var/seq`);
    const yesterday = TODAY - DAY_SECONDS;
    const entries = await runInDurableObject(stub, (r: Room) => {
      const made: Entry[] = [];
      for (let i = 0; i < 35; i++) made.push(r.log.append({ nick: "alice", text: `yesterday ${i}` }, "192.0.2.1", (yesterday + i * 60) * 1000));
      for (let i = 0; i < 2; i++) made.push(r.log.append({ nick: "bob", text: `today ${i}` }, "192.0.2.2", (TODAY + i) * 1000));
      return made;
    });
    await runDurableObjectAlarm(stub);
    const victim = entries[19]!;
    const anchor = entryAnchor(victim);
    const day = dayOf(victim.sec);

    // A connected socket, and a page's long-poll request held at the end.
    const upgrade = await send(`/${room}/ws?p=${entries.length}`, { headers: { Upgrade: "websocket" } });
    const socket = upgrade.webSocket!;
    const frames: ServerFrame[] = [];
    socket.addEventListener("message", (event) => frames.push(JSON.parse(event.data as string)));
    socket.accept();
    const { cid } = (await (await send(`/${room}/apilogin`, { method: "POST", body: new URLSearchParams({ who: "page", s: "0" }) })).json()) as { cid: number };
    const held = send(`/${room}/comet?p=${entries.length}&c=${cid}`);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const res = await admin(room, "delete", { permalink: `http://chat.test/${room}/a/${day}#${anchor}` });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { deleted: unknown }).deleted).toEqual({ anchor, nick: "alice", fromLog: true, fromArchive: true });

    expect(await runInDurableObject(stub, (r: Room) => r.log.all().some((e) => e.seq === victim.seq))).toBe(false);
    const object = await env.ARCHIVE.get(`${room}/${day}`);
    const archived = decodeDay(await object!.text());
    expect(archived).toHaveLength(34);
    expect(archived.some((e) => e.seq === victim.seq)).toBe(false);
    expect(object!.customMetadata?.["count"]).toBe("34");
    expect(await runInDurableObject(stub, (r: Room) => r.archiveIndex.count(day))).toBe(34);

    const feed = await (await send(`/${room}/var/index.rdf`)).text();
    // Titles are "nick: text", as the original writes them.
    expect(feed).not.toContain("<title>alice: yesterday 19</title>");
    expect(feed).toContain("<title>alice: yesterday 20</title>");
    const page = await (await send(`/${room}/a/${day}`)).text();
    expect(page).not.toContain(anchor);

    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(frames).toContainEqual({ type: "deleted", anchor });
    const reply = (await (await held).json()) as { pos: number; content: string };
    expect(reply.pos).toBe(entries.length);
    expect(reply.content).toBe(`<template class="deleted" data-anchor="${anchor}"></template>`);
    socket.close(1000);

    const audit = (await (await admin(room, "audit")).json()) as { audit: { actor: string; action: string; target: string; detail: string }[] };
    expect(audit.audit[0]).toMatchObject({ actor: "admin", action: "delete-entry", target: `a/${day}#${anchor}` });
    expect(JSON.parse(audit.audit[0]!.detail)).toMatchObject({ nick: "alice", seq: victim.seq, fromLog: true, fromArchive: true });

    expect((await admin(room, "delete", { permalink: `a/${day}#${anchor}` })).status).toBe(404);
    expect((await admin(room, "delete", { permalink: "not a permalink" })).status).toBe(400);
  });

  it("should delete an entry that is only in the archive, and one only in the log", async () => {
    const room = "archive1";
    const stub = stubOf(room);
    await send(`/${room}/var/seq`);
    const entries = await runInDurableObject(stub, (r: Room) => {
      const made: Entry[] = [];
      for (let i = 0; i < 40; i++) made.push(r.log.append({ nick: "n", text: `old ${i}` }, "ip", (TODAY - 2 * DAY_SECONDS + i) * 1000));
      return made;
    });
    await runDurableObjectAlarm(stub);
    const onlyArchived = entries[0]!;
    const res = await admin(room, "delete", { permalink: entryAnchor(onlyArchived) });
    expect(((await res.json()) as { deleted: unknown }).deleted).toMatchObject({ fromLog: false, fromArchive: true });
    await postFrom(room, "192.0.2.9", "fresh");
    const fresh = await runInDurableObject(stub, (r: Room) => r.log.at(r.log.end)!);
    const again = await admin(room, "delete", { permalink: entryAnchor(fresh) });
    expect(((await again.json()) as { deleted: unknown }).deleted).toMatchObject({ fromLog: true, fromArchive: false });
  });

  it("should refuse the admin API without the right token", async () => {
    expect((await send(`/archive2/admin/audit`)).status).toBe(401);
    expect((await send(`/archive2/admin/audit`, { headers: { Authorization: "Bearer nope" } })).status).toBe(401);
    expect((await send(`/nosuch/admin/audit`, { headers: ADMIN })).status).toBe(404);
    expect((await admin("archive2", "frobnicate", { x: "y" })).status).toBe(404);
  });
});

describe("the blocklist", () => {
  it("should drop posts from blocked IPv4 and IPv6 ranges while answering as if stored, and log the attempts", async () => {
    const room = "archive3";
    const block = await admin(room, "block", { rules: "192.0.2.0/24 # spammer\n2001:db8::/32\n300.1.1.1" });
    const listed = (await block.json()) as { added: string[]; errors: { line: number; reason: string }[]; blocklist: string };
    expect(listed.added).toEqual(["192.0.2.0/24 # spammer", "2001:db8::/32"]);
    expect(listed.errors).toEqual([expect.objectContaining({ line: 3 })]);
    const before = await sequence(room);
    for (const ip of ["192.0.2.0", "192.0.2.255", "::ffff:192.0.2.7", "2001:db8::1", "2001:db8:ffff::1"]) {
      const res = await postFrom(room, ip, `from ${ip}`);
      expect(res.status, ip).toBe(200);
      expect(await res.text()).toBe("<html></html>");
    }
    expect(await sequence(room)).toBe(before);
    for (const ip of ["192.0.3.0", "192.0.1.255", "2001:db9::1"]) expect((await postFrom(room, ip, `from ${ip}`)).status).toBe(200);
    expect(await sequence(room)).toBe(before + 3);
    const audit = (await (await admin(room, "audit")).json()) as { audit: { action: string; actor: string }[] };
    expect(
      audit.audit
        .filter((e) => e.action === "post-blocked")
        .map((e) => e.actor)
        .sort(),
    ).toEqual(["192.0.2.0", "192.0.2.255", "::ffff:192.0.2.7", "2001:db8::1", "2001:db8:ffff::1"].sort());
    const list = (await (await admin(room, "blocklist")).json()) as { blocklist: string };
    expect(list.blocklist).toBe("192.0.2.0/24 # spammer\n2001:db8::/32\n");
    await admin(room, "unblock", { rules: "192.0.2.0/24" });
    expect((await postFrom(room, "192.0.2.7", "welcome back")).status).toBe(200);
    expect(await sequence(room)).toBe(before + 4);
  });
});

describe("the per-address rate limit", () => {
  it("should answer 429 with Retry-After beyond the posts per minute, and leave other addresses alone", async () => {
    const room = "archive4";
    await send(`/${room}/var/seq`);
    await runInDurableObject(stubOf(room), (r: Room) => {
      r.admission.limits = { ...r.admission.limits, addressPerMinute: 3 };
    });
    for (let i = 0; i < 3; i++) expect((await postFrom(room, "198.51.100.7", `ok ${i}`)).status).toBe(200);
    const limited = await postFrom(room, "198.51.100.7", "one too many");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(await limited.text()).toMatch(/^Too many posts; try again in \d+ s/);
    expect((await postFrom(room, "198.51.100.8", "someone else")).status).toBe(200);
    expect(await sequence(room)).toBe(4);
  });
});
