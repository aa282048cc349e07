/**
 * Bad input gets a clear 4xx and changes nothing.
 *
 * A table-driven walk over malformed requests sent through the Worker. Each
 * case checks that the status is the expected 4xx (never a 5xx), that the body
 * is a short human-readable reason (or, for a 404, an HTML page with a link),
 * and that no room's post sequence moved. Positive controls first prove that
 * a good post does move the sequence, so "unchanged" means something.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_FORM_BYTES, MAX_URL_CHARS } from "../../src/protocol/limits";
import { roomSequence } from "../support/rooms";

const ORIGIN = "http://chat.test";
const URLENCODED = "application/x-www-form-urlencoded";
const encoder = new TextEncoder();

/** Sends a request through the Worker, as a browser or bot would. */
function send(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, init));
}

/** The post sequence of a room, asked of the room itself (the Worker's var/seq is cached). */
async function sequenceOf(room: string): Promise<number> {
  const sequence = await roomSequence(room);
  expect(Number.isInteger(sequence)).toBe(true);
  return sequence;
}

/** The post sequences of every configured room. */
async function sequences(): Promise<{ lobby: number; strict: number }> {
  return { lobby: await sequenceOf("lobby"), strict: await sequenceOf("strict") };
}

/** A urlencoded POST init from a raw body (string or bytes), the body sent exactly as given. */
function form(body: string | Uint8Array, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "Content-Type": URLENCODED, ...headers }, body };
}

function concat(...parts: (string | Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === "string" ? encoder.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.byteLength;
  }
  return out;
}

const BOUNDARY = "----chatonTestBoundary7MA4YWxkTrZu0gW";

/** One multipart part: a field, or a file when `filename` is given. */
function part(name: string, value: string | Uint8Array, filename?: string): Uint8Array {
  const disposition = `form-data; name="${name}"${filename === undefined ? "" : `; filename="${filename}"`}`;
  const type = filename === undefined ? "" : "Content-Type: text/plain\r\n";
  return concat(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`, value, "\r\n");
}

/** A well-formed multipart body of `parts`, with its closing boundary. */
function multipartBody(...parts: Uint8Array[]): Uint8Array {
  return concat(...parts, `--${BOUNDARY}--\r\n`);
}

function multipart(body: Uint8Array, contentType = `multipart/form-data; boundary=${BOUNDARY}`): RequestInit {
  return { method: "POST", headers: { "Content-Type": contentType }, body };
}

/** A body that arrives in 1 KiB chunks with no Content-Length, `total` bytes in all. */
function streamedForm(total: number): RequestInit {
  const prefix = encoder.encode("nick=streamer&text=");
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) {
        controller.close();
        return;
      }
      const size = Math.min(1024, total - sent);
      const chunk = new Uint8Array(size).fill(0x78); // "x"
      if (sent === 0) chunk.set(prefix.subarray(0, size));
      sent += size;
      controller.enqueue(chunk);
    },
  });
  return { method: "POST", headers: { "Content-Type": URLENCODED }, body, duplex: "half" } as RequestInit;
}

/** A body of exactly `total` bytes: "nick=sizer&text=xxx…". */
function formOfSize(total: number): string {
  const prefix = "nick=sizer&text=";
  return prefix + "x".repeat(total - prefix.length);
}

const VALID = "nick=alice&text=hello";
const LONG_URL_TAIL = "x".repeat(MAX_URL_CHARS);

interface BadCase {
  /** What the server should do, in words. */
  name: string;
  path: string;
  /** Made fresh for each run: bodies such as streams can be read only once. */
  init?: () => RequestInit;
  status: number;
  /** The Allow header a 405 must carry. */
  allow?: string;
  /** A 404 answers with an HTML page that links somewhere useful. */
  page?: boolean;
}

/** The reason a 4xx gives: short plain text, or a small HTML page with a link; never a stack trace. */
async function expectClearReason(res: Response, c: Pick<BadCase, "page">): Promise<void> {
  const body = await res.text();
  expect(body.trim().length, "the body gives a reason").toBeGreaterThan(0);
  expect(body, "no stack frames").not.toMatch(/^\s*at\s/m);
  expect(body, "no stack frames").not.toMatch(/\(\S+:\d+:\d+\)/);
  expect(body, "no exception text").not.toMatch(/Error:/);
  expect(body).not.toMatch(/Internal error/i);
  if (c.page) {
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(body).toMatch(/<a href="[^"]+"/);
  } else {
    expect(res.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(body.trim().length, `short reason: ${JSON.stringify(body)}`).toBeLessThan(200);
  }
}

/** Sends a bad case and checks status, reason, headers and that nothing was stored. */
async function checkRejected(c: BadCase): Promise<void> {
  const before = await sequences();
  const res = await send(c.path, c.init?.());
  const preview = res.status >= 500 ? await res.clone().text() : "";
  expect(res.status, `never a 5xx ${preview}`).toBeLessThan(500);
  expect(res.status).toBe(c.status);
  if (c.allow !== undefined) expect(res.headers.get("Allow")).toBe(c.allow);
  await expectClearReason(res, c);
  expect(await sequences(), "the post sequences did not change").toEqual(before);
}

describe("positive controls: a good post moves the sequence by exactly 1", () => {
  it("a urlencoded post is stored", async () => {
    const before = await sequenceOf("lobby");
    const res = await send("/lobby/post", form(VALID));
    expect(res.status).toBe(200);
    await res.text();
    expect(await sequenceOf("lobby")).toBe(before + 1);
  });

  it("a multipart post with an integer cid is stored", async () => {
    const before = await sequenceOf("lobby");
    const res = await send("/lobby/post", multipart(multipartBody(part("nick", "bob"), part("text", "héllo ✓"), part("cid", "12345"))));
    expect(res.status).toBe(200);
    await res.text();
    expect(await sequenceOf("lobby")).toBe(before + 1);
  });

  it("a form of exactly MAX_FORM_BYTES is accepted", async () => {
    const before = await sequenceOf("lobby");
    const res = await send("/lobby/post", form(formOfSize(MAX_FORM_BYTES)));
    expect(res.status).toBe(200);
    await res.text();
    expect(await sequenceOf("lobby")).toBe(before + 1);
  });

  it("a streamed form without Content-Length under the cap is accepted", async () => {
    const before = await sequenceOf("lobby");
    const res = await send("/lobby/post", streamedForm(4 * 1024));
    expect(res.status).toBe(200);
    await res.text();
    expect(await sequenceOf("lobby")).toBe(before + 1);
  });
});

const BAD_CASES: Record<string, BadCase[]> = {
  "wrong method": [
    { name: "GET on the poster is 405 and allows POST", path: "/lobby/post", status: 405, allow: "POST" },
    { name: "PUT on the poster is 405 and allows POST", path: "/lobby/post", init: () => ({ ...form(VALID), method: "PUT" }), status: 405, allow: "POST" },
    { name: "DELETE on the poster is 405 and allows POST", path: "/lobby/post", init: () => ({ method: "DELETE" }), status: 405, allow: "POST" },
    { name: "GET on apilogin is 405 and allows POST", path: "/lobby/apilogin?who=bot", status: 405, allow: "POST" },
    { name: "POST on the comet endpoint is 405 and allows GET", path: "/lobby/comet", init: () => form(VALID), status: 405, allow: "GET" },
    { name: "DELETE on var/status.js is 405 and allows GET", path: "/lobby/var/status.js", init: () => ({ method: "DELETE" }), status: 405, allow: "GET" },
    { name: "POST on var/seq is 405 and allows GET", path: "/lobby/var/seq", init: () => form(VALID), status: 405, allow: "GET" },
    { name: "POST on the front page is 405 and allows GET", path: "/", init: () => form(VALID), status: 405, allow: "GET" },
    { name: "POST on a room page is 405 and allows GET", path: "/lobby/", init: () => form(VALID), status: 405, allow: "GET" },
  ],
  "missing fields": [
    { name: "a post with only nick is 400", path: "/lobby/post", init: () => form("nick=alice"), status: 400 },
    { name: "a post with only text is 400", path: "/lobby/post", init: () => form("text=hello"), status: 400 },
    { name: "a post with neither nick nor text is 400", path: "/lobby/post", init: () => form("cid=1"), status: 400 },
    { name: "a post with an empty urlencoded body is 400", path: "/lobby/post", init: () => form(""), status: 400 },
    { name: "a post whose field names differ in case is 400", path: "/lobby/post", init: () => form("Nick=alice&Text=hello"), status: 400 },
    { name: "a multipart post without text is 400", path: "/lobby/post", init: () => multipart(multipartBody(part("nick", "alice"))), status: 400 },
  ],
  "wrong content type": [
    {
      name: "a text/plain body is 415",
      path: "/lobby/post",
      init: () => ({ method: "POST", headers: { "Content-Type": "text/plain" }, body: VALID }),
      status: 415,
    },
    {
      name: "an application/json body is 415",
      path: "/lobby/post",
      init: () => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ nick: "alice", text: "hello" }) }),
      status: 415,
    },
    { name: "a body without a Content-Type is 415", path: "/lobby/post", init: () => ({ method: "POST", body: encoder.encode(VALID) }), status: 415 },
    {
      name: "a look-alike media type is 415",
      path: "/lobby/post",
      init: () => ({ method: "POST", headers: { "Content-Type": "application/x-www-form-urlencodedx" }, body: VALID }),
      status: 415,
    },
    {
      name: "a JSON body to apilogin is 415",
      path: "/lobby/apilogin",
      init: () => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: '{"who":"bot"}' }),
      status: 415,
    },
  ],
  "malformed forms": [
    { name: "a percent escape that is not hex is 400", path: "/lobby/post", init: () => form("nick=a&text=%zz"), status: 400 },
    { name: "a truncated percent escape at the end is 400", path: "/lobby/post", init: () => form("nick=a&text=hello%"), status: 400 },
    { name: "a percent escape cut in the middle of a UTF-8 sequence is 400", path: "/lobby/post", init: () => form("nick=a&text=%E3%81"), status: 400 },
    { name: "a malformed escape in a field name is 400", path: "/lobby/post", init: () => form("nick=a&text=hi&%zz=1"), status: 400 },
    {
      name: "multipart without a boundary parameter is 400",
      path: "/lobby/post",
      init: () => multipart(multipartBody(part("nick", "a"), part("text", "hi")), "multipart/form-data"),
      status: 400,
    },
    {
      name: "multipart whose boundary does not match the body is 400",
      path: "/lobby/post",
      init: () => multipart(multipartBody(part("nick", "a"), part("text", "hi")), "multipart/form-data; boundary=somethingElse"),
      status: 400,
    },
    {
      name: "multipart missing its closing boundary is 400",
      path: "/lobby/post",
      init: () => multipart(concat(part("nick", "a"), part("text", "hi"))),
      status: 400,
    },
    {
      name: "multipart cut off inside a part is 400",
      path: "/lobby/post",
      init: () => multipart(concat(part("nick", "a"), `--${BOUNDARY}\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi`)),
      status: 400,
    },
    {
      name: "multipart with a file part is 400",
      path: "/lobby/post",
      init: () => multipart(multipartBody(part("nick", "a"), part("text", "hi"), part("upload", "file contents", "notes.txt"))),
      status: 400,
    },
    {
      name: "multipart whose text is a file is 400",
      path: "/lobby/post",
      init: () => multipart(multipartBody(part("nick", "a"), part("text", "hi", "text.txt"))),
      status: 400,
    },
  ],
  "invalid UTF-8": [
    { name: "raw bytes 0xff 0xfe in a urlencoded body are 400", path: "/lobby/post", init: () => form(concat("nick=a&text=", [0xff, 0xfe])), status: 400 },
    { name: "raw bytes 0xff 0xfe in a nick are 400", path: "/lobby/post", init: () => form(concat("nick=", [0xff, 0xfe], "&text=hi")), status: 400 },
    { name: "percent-escaped bytes %ff%fe are 400", path: "/lobby/post", init: () => form("nick=a&text=%ff%fe"), status: 400 },
    { name: "an overlong encoding %c0%af is 400", path: "/lobby/post", init: () => form("nick=a&text=%c0%af"), status: 400 },
    { name: "an encoded surrogate %ed%a0%80 is 400", path: "/lobby/post", init: () => form("nick=a&text=%ed%a0%80"), status: 400 },
    {
      name: "invalid bytes in a multipart field are 400",
      path: "/lobby/post",
      init: () => multipart(multipartBody(part("nick", "a"), part("text", concat("hi", [0xff, 0xfe, 0xc0, 0xaf])))),
      status: 400,
    },
    { name: "invalid bytes in apilogin's who are 400", path: "/lobby/apilogin", init: () => form("who=%ff%fe"), status: 400 },
  ],
  "body over the size cap": [
    { name: "a form one byte over MAX_FORM_BYTES is 413", path: "/lobby/post", init: () => form(formOfSize(MAX_FORM_BYTES + 1)), status: 413 },
    {
      name: "a large form with an explicit Content-Length is 413",
      path: "/lobby/post",
      init: () => form(formOfSize(4 * MAX_FORM_BYTES), { "Content-Length": String(4 * MAX_FORM_BYTES) }),
      status: 413,
    },
    { name: "a streamed form without Content-Length over the cap is 413", path: "/lobby/post", init: () => streamedForm(MAX_FORM_BYTES + 1024), status: 413 },
    { name: "a long streamed form without Content-Length is 413", path: "/lobby/post", init: () => streamedForm(1024 * 1024), status: 413 },
    {
      name: "a multipart form over the cap is 413",
      path: "/lobby/post",
      init: () => multipart(multipartBody(part("nick", "a"), part("text", "x".repeat(MAX_FORM_BYTES)))),
      status: 413,
    },
    { name: "an apilogin form over the cap is 413", path: "/lobby/apilogin", init: () => form(`who=${"x".repeat(MAX_FORM_BYTES)}`), status: 413 },
  ],
  "cid in a post that is not an integer": [
    { name: "cid=abc is 400", path: "/lobby/post", init: () => form(`${VALID}&cid=abc`), status: 400 },
    { name: "cid=1.5 is 400", path: "/lobby/post", init: () => form(`${VALID}&cid=1.5`), status: 400 },
    { name: "cid=1e3 is 400", path: "/lobby/post", init: () => form(`${VALID}&cid=1e3`), status: 400 },
    { name: "cid=0x10 is 400", path: "/lobby/post", init: () => form(`${VALID}&cid=0x10`), status: 400 },
    { name: "an empty cid is 400", path: "/lobby/post", init: () => form(`${VALID}&cid=`), status: 400 },
    { name: "a cid of 40 digits is 400", path: "/lobby/post", init: () => form(`${VALID}&cid=${"9".repeat(40)}`), status: 400 },
    {
      name: "a non-integer cid in multipart is 400",
      path: "/lobby/post",
      init: () => multipart(multipartBody(part("nick", "a"), part("text", "hi"), part("cid", "x1"))),
      status: 400,
    },
  ],
  "comet parameters": [
    { name: "p=abc is 400", path: "/lobby/comet?t=1&p=abc&c=1&s=0", status: 400 },
    { name: "p=1.5 is 400", path: "/lobby/comet?t=1&p=1.5&c=1&s=0", status: 400 },
    { name: "p=1e3 is 400", path: "/lobby/comet?t=1&p=1e3&c=1&s=0", status: 400 },
    { name: "an empty p is 400", path: "/lobby/comet?t=1&p=&c=1&s=0", status: 400 },
    { name: "a p of 40 digits is 400", path: `/lobby/comet?t=1&p=${"9".repeat(40)}&c=1&s=0`, status: 400 },
    { name: "a negative p is 400", path: "/lobby/comet?t=1&p=-1&c=1&s=0", status: 400 },
    { name: "a negative p without c is 400", path: "/lobby/comet?t=1&p=-5", status: 400 },
    { name: "c=abc is 400", path: "/lobby/comet?t=1&p=0&c=abc&s=0", status: 400 },
    { name: "c=1.5 is 400", path: "/lobby/comet?t=1&p=0&c=1.5&s=0", status: 400 },
    { name: "an empty c is 400", path: "/lobby/comet?t=1&p=0&c=&s=0", status: 400 },
    { name: "s=2 is 400", path: "/lobby/comet?t=1&p=0&c=1&s=2", status: 400 },
    { name: "s=x is 400", path: "/lobby/comet?t=1&p=0&c=1&s=x", status: 400 },
    { name: "a bad p in the strict room is 400", path: "/strict/comet?t=1&p=abc&c=1&s=1", status: 400 },
  ],
  apilogin: [
    { name: "a login without who is 401", path: "/lobby/apilogin", init: () => form("s=1"), status: 401 },
    { name: "an empty who is 401", path: "/lobby/apilogin", init: () => form("who=&s=0"), status: 401 },
    { name: "a blank who is 401", path: "/lobby/apilogin", init: () => form("who=%20%09%0A+"), status: 401 },
    { name: "a multipart login without who is 401", path: "/lobby/apilogin", init: () => multipart(multipartBody(part("s", "0"))), status: 401 },
    { name: "s=2 in the form is 400", path: "/lobby/apilogin", init: () => form("who=bot&s=2"), status: 400 },
    { name: "s=2 in the query is 400", path: "/lobby/apilogin?s=2", init: () => form("who=bot"), status: 400 },
    { name: "s=2 in the strict room is 400", path: "/strict/apilogin", init: () => form("who=bot&s=2"), status: 400 },
  ],
  "unknown rooms": [
    { name: "an unknown room's page is a 404 page", path: "/nosuchroom/", status: 404, page: true },
    { name: "an unknown room without a slash is a 404 page", path: "/nosuchroom", status: 404, page: true },
    { name: "an unknown room's comet is a 404 page", path: "/nosuchroom/comet?p=0&c=1&s=0", status: 404, page: true },
    { name: "a post to an unknown room is a 404 page", path: "/nosuchroom/post", init: () => form(VALID), status: 404, page: true },
    { name: "an apilogin to an unknown room is a 404 page", path: "/nosuchroom/apilogin", init: () => form("who=bot"), status: 404, page: true },
    { name: "a room named %00 is a 404 page", path: "/%00/", status: 404, page: true },
    { name: "a room named ..%2f is a 404 page", path: "/..%2f/", status: 404, page: true },
    { name: "a room named with a space is a 404 page", path: "/a%20b/comet", status: 404, page: true },
    { name: "a room named with a bad escape is a 404 page", path: "/%ff%zz/post", init: () => form(VALID), status: 404, page: true },
    { name: "a room name with an escaped slash is a 404 page", path: "/lobby%2fpost", init: () => form(VALID), status: 404, page: true },
    { name: "an escaped spelling of a room name is a 404 page", path: "/lob%62y/post", init: () => form(VALID), status: 404, page: true },
    { name: "a room name in another case is a 404 page", path: "/LOBBY/post", init: () => form(VALID), status: 404, page: true },
  ],
  "unknown paths within a room": [
    { name: "an unknown path in a room is a 404 page", path: "/lobby/nothing", status: 404, page: true },
    { name: "an unknown var/ file is a 404 page", path: "/lobby/var/nothing", status: 404, page: true },
    { name: "var without a file is a 404 page", path: "/lobby/var", status: 404, page: true },
    { name: "a path below the poster is a 404 page", path: "/lobby/post/extra", init: () => form(VALID), status: 404, page: true },
    { name: "dot segments climbing out of the room are a 404 page", path: "/lobby/a/../../etc", status: 404, page: true },
    { name: "escaped dot segments are a 404 page", path: "/lobby/%2e%2e/%2e%2e/etc/passwd", status: 404, page: true },
  ],
  "overlong URL": [
    { name: `a comet URL over ${MAX_URL_CHARS} characters is 414`, path: `/lobby/comet?t=${LONG_URL_TAIL}&p=0&c=1&s=0`, status: 414 },
    { name: "a post to an overlong URL is 414", path: `/lobby/post?t=${LONG_URL_TAIL}`, init: () => form(VALID), status: 414 },
    { name: "an overlong path is 414", path: `/lobby/${LONG_URL_TAIL}`, status: 414 },
    { name: "an overlong URL to an unknown room is 414", path: `/nosuchroom/${LONG_URL_TAIL}`, status: 414 },
  ],
};

describe("bad input gets a clear 4xx and changes nothing", () => {
  for (const [group, cases] of Object.entries(BAD_CASES)) {
    describe(group, () => {
      it.each(cases)("$name", checkRejected);
    });
  }
});

describe("empty posts (blank or only control characters once cleaned) answer 200 and store nothing", () => {
  const EMPTY_POSTS: { name: string; body: string }[] = [
    { name: "an empty nick", body: "nick=&text=hello" },
    { name: "an empty text", body: "nick=alice&text=" },
    { name: "both empty", body: "nick=&text=" },
    { name: "a nick of white space", body: "nick=%20%09+&text=hello" },
    { name: "a text of white space", body: "nick=alice&text=%20%0D%0A%09+" },
    { name: "a text of only control characters", body: "nick=alice&text=%01%02%1F%0B%0C" },
    { name: "a nick of only control characters", body: "nick=%00%08%0E&text=hello" },
    { name: "a text of control characters around white space", body: "nick=alice&text=%01%20%0A%1F%20%02" },
    { name: "a text that is only a NUL", body: "nick=alice&text=%00" },
  ];

  it.each(EMPTY_POSTS)("$name: 200, stored nothing", async ({ body }) => {
    const before = await sequences();
    const res = await send("/lobby/post", form(body));
    expect(res.status).toBe(200);
    expect((await res.text()).length).toBeLessThan(200);
    expect(await sequences()).toEqual(before);
  });

  it.each(EMPTY_POSTS)("$name: the JSON acknowledgement says not stored", async ({ body }) => {
    const before = await sequences();
    const res = await send("/lobby/post", form(body, { Accept: "application/json" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ stored: false, pos: before.lobby });
    expect(await sequences()).toEqual(before);
  });

  it("an empty multipart post answers 200 and stores nothing", async () => {
    const before = await sequences();
    const res = await send("/lobby/post", multipart(multipartBody(part("nick", " "), part("text", "\u0001\u0002"))));
    expect(res.status).toBe(200);
    await res.text();
    expect(await sequences()).toEqual(before);
  });
});
