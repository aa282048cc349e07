import { describe, expect, it } from "vitest";
import { ClosedError, PostRefusedError, PostTimeoutError, RateLimitedError } from "../src/errors.js";
import { MSGID_PATTERN } from "../src/wire.js";
import { cut, fakeFetch, json, text } from "./support/fake-fetch.js";
import { client, StubTransport } from "./support/stubs.js";

/** A client on a stub socket that has said hello. */
async function onSocket(postTimeoutMs?: number) {
  const socket = new StubTransport("ws");
  const comet = new StubTransport("comet");
  const room = client({ socket, comet, mode: "ws", postTimeoutMs });
  const begun = room.begin();
  const link = await socket.link(0);
  link.greet();
  await begun;
  return { room, socket, comet, link };
}

describe("posting over the socket", () => {
  it("should give every post a fresh msgid the room accepts", async () => {
    const { room, link } = await onSocket();
    const posts = [room.post("bot", "one"), room.post("bot", "two")];
    expect(link.sent).toHaveLength(2);
    const [a, b] = link.sent;
    expect(a!.msgid).toMatch(MSGID_PATTERN);
    expect(b!.msgid).toMatch(MSGID_PATTERN);
    expect(a!.msgid).not.toBe(b!.msgid);
    expect(a!.id).not.toBe(b!.id);
    room.close();
    for (const posted of posts) await expect(posted).rejects.toBeInstanceOf(ClosedError);
  });

  it("should resolve with the position in the room's ack", async () => {
    const { room, link } = await onSocket();
    const posted = room.post("bot", "hello");
    link.sink.ack(link.sent[0]!.id!, true, 17);
    expect(await posted).toEqual({ stored: true, pos: 17, msgid: link.sent[0]!.msgid });
    room.close();
  });

  it("should send a post left unanswered by a dropped socket again after the reconnect, with the same msgid, and resolve once", async () => {
    const { room, socket, link } = await onSocket();
    let resolutions = 0;
    const posted = room.post("bot", "across a reconnect").then((result) => {
      resolutions++;
      return result;
    });
    const first = link.sent[0]!;
    link.drop("connection cut");
    const next = await socket.link(1);
    expect(next.sent).toEqual([]);
    next.greet();
    expect(next.sent).toHaveLength(1);
    expect(next.sent[0]).toEqual(first);
    // A late ack from the dead link is ignored as nothing; the one on the live link settles it.
    next.sink.ack(first.id!, true, 5);
    next.sink.ack(first.id!, true, 5);
    expect(await posted).toMatchObject({ pos: 5, msgid: first.msgid });
    expect(resolutions).toBe(1);
    room.close();
  });

  it("should send a post made while the socket is down at the next hello", async () => {
    const { room, socket, link } = await onSocket();
    link.drop();
    const posted = room.post("bot", "while down");
    const next = await socket.link(1);
    next.greet();
    expect(next.sent.map((f) => f.text)).toEqual(["while down"]);
    next.sink.ack(next.sent[0]!.id!, true, 9);
    expect((await posted).pos).toBe(9);
    room.close();
  });

  it("should reject with the wait when the room says rate-limited, and with the reason when it refuses", async () => {
    const { room, link } = await onSocket();
    const limited = room.post("bot", "too fast");
    const refused = room.post("bot", "bad");
    const empty = room.post("bot", "\u0001");
    link.sink.refused(link.sent[0]!.id!, new RateLimitedError(3, "Too many posts; wait a little"));
    link.sink.refused(link.sent[1]!.id!, new PostRefusedError("A post needs a nick and a text"));
    link.sink.ack(link.sent[2]!.id!, false, 4);
    await expect(limited).rejects.toMatchObject({ name: "RateLimitedError", retryAfter: 3 });
    await expect(refused).rejects.toMatchObject({ name: "PostRefusedError", reason: "A post needs a nick and a text" });
    await expect(empty).rejects.toBeInstanceOf(PostRefusedError);
    room.close();
  });

  it("should give up on a post with no answer by its deadline, saying it may be stored", async () => {
    const { room, link } = await onSocket(30);
    const posted = room.post("bot", "into the void");
    link.drop();
    await expect(posted).rejects.toBeInstanceOf(PostTimeoutError);
    room.close();
  });

  it("should reject what is still unanswered when closed", async () => {
    const { room } = await onSocket();
    const posted = room.post("bot", "pending");
    room.close();
    await expect(posted).rejects.toBeInstanceOf(ClosedError);
    await expect(room.post("bot", "after")).rejects.toBeInstanceOf(ClosedError);
  });

  it("should take a post still unanswered when sockets are given up to the poster, with the same msgid", async () => {
    const socket = new StubTransport("ws");
    const comet = new StubTransport("comet");
    const { fetch, requests } = fakeFetch([json({ stored: true, pos: 3 })]);
    const room = client({ socket, comet, mode: "auto", fetch });
    const begun = room.begin();
    const link = await socket.link(0);
    const posted = room.post("bot", "before the hello");
    link.drop("the room refused the socket");
    await begun;
    expect(await posted).toMatchObject({ pos: 3 });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.form!.get("text")).toBe("before the hello");
    expect(requests[0]!.form!.get("msgid")).toMatch(MSGID_PATTERN);
    room.close();
  });
});

describe("posting through the poster", () => {
  const onComet = (fetch: typeof globalThis.fetch, format: "json" | "sexpr" = "json") =>
    client({ comet: new StubTransport("comet"), fetch, format, backoff: { minMs: 1, maxMs: 2, random: () => 0.5 } });

  it("should send nick, text, cid and a msgid, asking for JSON", async () => {
    const { fetch, requests } = fakeFetch([json({ stored: true, pos: 8 })]);
    const room = onComet(fetch);
    expect(await room.post("bot", "hello")).toMatchObject({ stored: true, pos: 8 });
    const [request] = requests;
    expect(request!.url).toBe("http://chat.test/lobby/post");
    expect(request!.method).toBe("POST");
    expect(request!.headers.get("Accept")).toBe("application/json");
    expect(Object.fromEntries(request!.form!)).toMatchObject({ nick: "bot", text: "hello", cid: "42" });
    expect(request!.form!.get("msgid")).toMatch(MSGID_PATTERN);
    room.close();
  });

  it("should repeat a request whose answer was lost with the same msgid, and resolve with the answer to the repeat", async () => {
    const { fetch, requests } = fakeFetch([cut(), cut(), json({ stored: true, pos: 21 })]);
    const room = onComet(fetch);
    expect(await room.post("bot", "once only")).toMatchObject({ pos: 21 });
    expect(requests).toHaveLength(3);
    const ids = new Set(requests.map((r) => r.form!.get("msgid")));
    expect(ids.size).toBe(1);
    room.close();
  });

  it("should repeat a request whose answer was cut after its headers", async () => {
    const halfAnswer = new Response(
      new ReadableStream({
        start(controller) {
          controller.error(new TypeError("terminated"));
        },
      }),
      { headers: { "Content-Type": "application/json" } },
    );
    const { fetch, requests } = fakeFetch([halfAnswer, json({ stored: true, pos: 22 })]);
    const room = onComet(fetch);
    expect(await room.post("bot", "x")).toMatchObject({ pos: 22 });
    expect(requests[0]!.form!.get("msgid")).toBe(requests[1]!.form!.get("msgid"));
    room.close();
  });

  it("should repeat after a 5xx and stop at a 4xx with its reason", async () => {
    const { fetch, requests } = fakeFetch([text("Internal error\n", 500), text("Field text is required\n", 400)]);
    const room = onComet(fetch);
    await expect(room.post("bot", "x")).rejects.toMatchObject({ name: "PostRefusedError", reason: "Field text is required", status: 400 });
    expect(requests).toHaveLength(2);
    room.close();
  });

  it("should not repeat a rate-limited post, and tell the wait from Retry-After", async () => {
    const { fetch, requests } = fakeFetch([text("Too many posts; try again in 12 s\n", 429, { "Retry-After": "12" })]);
    const room = onComet(fetch);
    await expect(room.post("bot", "x")).rejects.toMatchObject({ name: "RateLimitedError", retryAfter: 12 });
    expect(requests).toHaveLength(1);
    room.close();
  });

  it("should read the S-expression acknowledgement when asking for it", async () => {
    const { fetch, requests } = fakeFetch([new Response("((stored . 1) (pos . 30))", { headers: { "Content-Type": "application/x-sexpr; charset=utf-8" } })]);
    const room = onComet(fetch, "sexpr");
    expect(await room.post("bot", "x")).toMatchObject({ stored: true, pos: 30 });
    expect(requests[0]!.headers.get("Accept")).toBe("application/x-sexpr");
    room.close();
  });

  it("should resolve with no position against an original server, whose poster answers an empty page", async () => {
    const { fetch } = fakeFetch([new Response("<html></html>", { headers: { "Content-Type": "text/html; charset=utf-8" } })]);
    const room = onComet(fetch);
    expect(await room.post("bot", "x")).toMatchObject({ stored: true, pos: null });
    room.close();
  });

  it("should reject a post that is empty once cleaned", async () => {
    const { fetch } = fakeFetch([json({ stored: false, pos: 4 })]);
    const room = onComet(fetch);
    await expect(room.post("bot", "   ")).rejects.toBeInstanceOf(PostRefusedError);
    room.close();
  });
});
