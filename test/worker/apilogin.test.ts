import { describe, expect, it } from "vitest";
import { freshRoom, roomSequence, send } from "../support/rooms";
import { alistToObject, type Pair, readDatum, type Sym } from "../../packages/client/src/sexpr";

const login = (fields: Record<string, string>) => send("/lobby/apilogin", { method: "POST", body: new URLSearchParams(fields) });

describe("apilogin", () => {
  it("should answer s=1 with the URIs, room name, cid and pos as an alist in order", async () => {
    const res = await login({ who: "gauche-bot", s: "1" });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-cache");
    const read = readDatum(new TextDecoder().decode(await res.arrayBuffer())) as Pair[];
    expect(read.map((pair) => (pair.car as Sym).name)).toEqual(["post-uri", "comet-uri", "icon-uri", "room-name", "cid", "pos"]);
    const reply = alistToObject(read);
    expect(reply).toMatchObject({
      "post-uri": "http://chat.test/lobby/post",
      "comet-uri": "http://chat.test/lobby/comet",
      "icon-uri": "http://chat.test/chaton.svg",
      "room-name": "Chaton Lobby",
    });
    expect(Number.isInteger(reply["cid"]) && (reply["cid"] as number) >= 0 && (reply["cid"] as number) < 2 ** 28).toBe(true);
    expect(reply["pos"]).toBe(await roomSequence("lobby"));
  });

  it("should default to the S-expression reply and answer s=0 with JSON", async () => {
    expect((await login({ who: "x" })).headers.get("Content-Type")).toBe("application/x-sexpr; charset=utf-8");
    const json = (await (await login({ who: "x", s: "0" })).json()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["post-uri", "comet-uri", "icon-uri", "room-name", "cid", "pos"]);
  });

  it("should build absolute URIs from the request's origin", async () => {
    const room = freshRoom("strict");
    const res = await room.fetch("apilogin", { method: "POST", body: new URLSearchParams({ who: "x", s: "0" }) });
    expect(await res.json()).toMatchObject({
      "post-uri": "http://chat.test/strict/post",
      "icon-uri": "https://example.com/icon.png",
      "room-name": "Strict <Room>",
      pos: 0,
    });
  });

  it("should count the API client among the chatters", async () => {
    const room = freshRoom();
    await room.fetch("apilogin", { method: "POST", body: new URLSearchParams({ who: "x" }) });
    expect(await (await room.fetch("var/status.js")).json()).toMatchObject({ "num-chatters": 1 });
  });

  it("should answer 405 to anything but POST and 401 without who", async () => {
    expect((await send("/lobby/apilogin")).status).toBe(405);
    expect((await login({ s: "1" })).status).toBe(401);
  });
});

describe("pages and versions", () => {
  it("should list the rooms on the front page", async () => {
    const res = await send("/");
    expect(res.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    const body = await res.text();
    expect(body).toContain('href="/lobby/"');
    expect(body).toContain("Strict &lt;Room&gt;");
  });

  it("should redirect a room name without its slash", async () => {
    const res = await send("/lobby", { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(res.headers.get("Location")).toBe("http://chat.test/lobby/");
  });

  it("should answer an unknown room with a 404 page", async () => {
    const res = await send("/nosuchroom/comet?p=0");
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('<a href="/">');
  });

  it("should send the same ver from every room of one deployment", async () => {
    const a = (await (await send("/lobby/comet?p=0&s=0")).json()) as { ver: string };
    const b = (await (await send("/strict/comet?p=0&s=0")).json()) as { ver: string };
    expect(a.ver).toMatch(/^[0-9a-f]{12}$/);
    expect(b.ver).toBe(a.ver);
  });
});

describe("HEAD", () => {
  it("should answer HEAD like GET without a body", async () => {
    for (const path of ["/", "/lobby/", "/lobby/var/seq", "/lobby/var/status.js"]) {
      const res = await send(path, { method: "HEAD" });
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe("");
    }
    expect((await send("/nosuchroom/", { method: "HEAD" })).status).toBe(404);
  });

  it("should refuse HEAD on comet rather than hold it", async () => {
    expect((await send("/lobby/comet?p=0", { method: "HEAD" })).status).toBe(405);
  });
});
