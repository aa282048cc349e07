/**
 * Finding 3 of issue 18: 3 MiB to the poster ended in 500s (with a path of
 * the server in the body) and dropped connections, because the room answered
 * 413 while the Worker was still streaming the body to it. The Worker now
 * refuses a declared oversize before the room is called, and reads a body
 * without a length itself, up to the cap, forwarding only whole small bodies.
 * (The connection-level behaviour is measured against wrangler dev in
 * test/e2e/security.test.ts.)
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_FORM_BYTES, MAX_TEXT_CHARS } from "../../src/protocol/limits";
import type { Room } from "../../src/room/room";
import { roomSequence, send } from "../support/rooms";

const URLENCODED = { "Content-Type": "application/x-www-form-urlencoded" };

const served = (room: string) => runInDurableObject(env.ROOM.getByName(room), (instance: Room) => instance.requestsServed);

/** `total` bytes of a form in 16 KiB chunks, with no Content-Length. */
function streamed(total: number, prefix = "nick=streamer&text="): ReadableStream<Uint8Array> {
  const head = new TextEncoder().encode(prefix);
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const chunk = new Uint8Array(Math.min(16 * 1024, total - sent)).fill(0x78);
      if (sent === 0) chunk.set(head.subarray(0, chunk.length));
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

/** `bytes` in chunks of `size` bytes, with no Content-Length; the chunks it sent are counted in `sent`. */
function chunkedStream(bytes: Uint8Array, size: number, sent = { chunks: 0 }): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
      sent.chunks++;
    },
  });
}

/** A text of MAX_TEXT_CHARS characters, no two alike, from code point `first` on: every part of it says where it belongs. */
const distinctText = (first: number) => Array.from({ length: MAX_TEXT_CHARS }, (_, i) => String.fromCodePoint(first + i)).join("");

/** The room's last entry: its nick and text. */
const lastEntry = () =>
  runInDurableObject(env.ROOM.getByName("lobby"), (room: Room) => {
    const last = room.log.all().at(-1)!;
    return { nick: last.nick, text: last.text };
  });

function expectNoServerDetail(body: string): void {
  expect(body).toBe(`Body over ${MAX_FORM_BYTES} bytes\n`);
  expect(body).not.toMatch(/\/(work|home|usr|tmp|src|node_modules)\//);
}

describe("a body over the cap", () => {
  it("should be refused with 413 by the Worker, before the room is called, when Content-Length says so", async () => {
    await send("/lobby/var/stats");
    const before = { served: await served("lobby"), seq: await roomSequence("lobby") };
    for (const path of ["/lobby/post", "/lobby/apilogin", "/lobby/delete", "/lobby/nothing"]) {
      const body = new Uint8Array(3 * 1024 * 1024).fill(0x78);
      const res = await send(path, { method: "POST", headers: { ...URLENCODED, "Content-Length": String(body.byteLength) }, body });
      expect(res.status, path).toBe(413);
      expectNoServerDetail(await res.text());
    }
    // roomSequence itself is one request to the room.
    expect(await served("lobby")).toBe(before.served + 1);
    expect(await roomSequence("lobby")).toBe(before.seq);
  });

  it("should be refused with 413 by the Worker when it streams in without a length, the room never called", async () => {
    const before = await served("lobby");
    for (const [path, size] of [
      ["/lobby/post", 3 * 1024 * 1024],
      ["/lobby/apilogin", 3 * 1024 * 1024],
      ["/lobby/post", MAX_FORM_BYTES + 1],
    ] as const) {
      const res = await send(path, { method: "POST", headers: URLENCODED, body: streamed(size), duplex: "half" } as RequestInit);
      expect(res.status, `${path} ${size}`).toBe(413);
      expectNoServerDetail(await res.text());
    }
    expect(await served("lobby")).toBe(before);
  });

  it("should be refused before a private room asks for credentials", async () => {
    const body = new Uint8Array(MAX_FORM_BYTES + 1).fill(0x78);
    const res = await send("/secret/post", { method: "POST", headers: { ...URLENCODED, "Content-Length": String(body.byteLength) }, body });
    expect(res.status).toBe(413);
    expect(res.headers.get("WWW-Authenticate")).toBeNull();
  });

  it("should still let the admin API take an import batch far over a form's cap", async () => {
    const body = new TextEncoder().encode(JSON.stringify({ kind: "blocklist", rules: `# ${"x".repeat(MAX_FORM_BYTES * 2)}\n` }));
    const res = await send("/archive5/admin/import", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${env.ADMIN_TOKEN}` },
      body,
    });
    expect(res.status).toBe(200);
  });
});

describe("a body within the cap", () => {
  it("should reach the room whole whether it streams in without a length or not", async () => {
    const before = await roomSequence("lobby");
    const exact = `nick=streamer&text=${"y".repeat(MAX_FORM_BYTES - "nick=streamer&text=".length)}`;
    expect(new TextEncoder().encode(exact).byteLength).toBe(MAX_FORM_BYTES);
    const chunked = await send("/lobby/post", { method: "POST", headers: URLENCODED, body: streamed(MAX_FORM_BYTES), duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(200);
    const sized = await send("/lobby/post", { method: "POST", headers: URLENCODED, body: exact });
    expect(sized.status).toBe(200);
    expect(await roomSequence("lobby")).toBe(before + 2);
    const [last] = await runInDurableObject(env.ROOM.getByName("lobby"), (room: Room) => room.log.all().slice(-1));
    // The text is cut to its 2,048 characters as posting does: it arrived whole.
    expect(last!.text).toBe("y".repeat(2048));

    // A body without a length, in many chunks, each of whose parts is checked where it lands: a text of
    // 2,048 characters no two alike, percent-encoded to nine bytes each (escapes split across chunks),
    // then a last field that only the body's end carries.
    const text = distinctText(0x4e00);
    const nick = "the body's end";
    const body = new TextEncoder().encode(`text=${encodeURIComponent(text)}&nick=${encodeURIComponent(nick)}`);
    expect(body.byteLength).toBeGreaterThan(9 * MAX_TEXT_CHARS);
    const sent = { chunks: 0 };
    const whole = await send("/lobby/post", { method: "POST", headers: URLENCODED, body: chunkedStream(body, 1000, sent), duplex: "half" } as RequestInit);
    expect(whole.status).toBe(200);
    expect(sent.chunks).toBe(Math.ceil(body.byteLength / 1000));
    expect(await roomSequence("lobby")).toBe(before + 3);
    expect(await lastEntry()).toEqual({ nick, text });
  });

  it("should reach the room whole as a multipart form streamed in chunks without a length", async () => {
    const before = await roomSequence("lobby");
    // Four bytes a character, cut across the chunks; the nick is the body's last field.
    const text = distinctText(0x20000);
    const nick = "multipart's end";
    const boundary = "----chunked-boundary";
    const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const body = new TextEncoder().encode(`${part("text", text)}${part("nick", nick)}--${boundary}--\r\n`);
    expect(body.byteLength).toBeGreaterThan(4 * MAX_TEXT_CHARS);
    const sent = { chunks: 0 };
    const res = await send("/lobby/post", {
      method: "POST",
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
      body: chunkedStream(body, 333, sent),
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(sent.chunks).toBe(Math.ceil(body.byteLength / 333));
    expect(await roomSequence("lobby")).toBe(before + 1);
    expect(await lastEntry()).toEqual({ nick, text });
  });
});
