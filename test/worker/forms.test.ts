/**
 * The one form reader, against the bodies real clients write: Gauche's
 * rfc.http, browsers, curl, Python's requests, and malformed ones. Each body
 * either yields its fields or a 4xx with a short reason.
 */
import { describe, expect, it } from "vitest";
import { HttpError } from "../../src/http/errors";
import { readForm } from "../../src/http/form";
import { MAX_FORM_BYTES } from "../../src/protocol/limits";
import { alistToObject, readDatum } from "../../packages/client/src/sexpr";
import { gaucheBoundary, gaucheContentType, gaucheMultipart } from "../support/gauche-http";
import { freshRoom } from "../support/rooms";

const encoder = new TextEncoder();

function request(body: string | Uint8Array, contentType: string | null): Request {
  const headers: Record<string, string> = contentType === null ? {} : { "Content-Type": contentType };
  return new Request("http://chat.test/lobby/post", { method: "POST", headers, body });
}

async function fieldsOf(body: string | Uint8Array, contentType: string | null): Promise<Record<string, string>> {
  return Object.fromEntries(await readForm(request(body, contentType)));
}

/** The status and reason a body is refused with; fails the test if it is read. */
async function refusal(body: string | Uint8Array, contentType: string | null): Promise<{ status: number; reason: string }> {
  try {
    const fields = await readForm(request(body, contentType));
    throw new Error(`expected a refusal, got ${JSON.stringify(Object.fromEntries(fields))}`);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { status: error.status, reason: error.reason };
  }
}

const MULTILINE = 'こんにちは\n二行目 ✓\r\n"quoted" \\ and 🐱';

describe("the form reader", () => {
  it("reads Gauche's apilogin body: boundary quoted, the name unquoted, part headers in mixed case", async () => {
    const boundary = "boundary-2ttqg5rz8nzq0";
    const body = gaucheMultipart([["who", "chaton-watcher"]], boundary);
    // The bytes docs/protocol.md section 4 describes, written out once by hand.
    expect(new TextDecoder().decode(body)).toBe(
      `\r\n--${boundary}\r\nContent-type: text/plain; charset=utf-8\r\nContent-transfer-encoding: binary\r\ncontent-disposition: form-data; name=who\r\n\r\nchaton-watcher\r\n--${boundary}--\r\n`,
    );
    expect(await fieldsOf(body, `multipart/form-data; boundary="${boundary}"`)).toEqual({ who: "chaton-watcher" });
  });

  it("reads Gauche's post body with a multi-line, non-ASCII text and a cid", async () => {
    const boundary = gaucheBoundary();
    const body = gaucheMultipart(
      [
        ["nick", "gosh"],
        ["text", MULTILINE],
        ["cid", "1234567"],
      ],
      boundary,
    );
    expect(await fieldsOf(body, gaucheContentType(boundary))).toEqual({ nick: "gosh", text: MULTILINE, cid: "1234567" });
  });

  it("reads a browser's FormData body as Chromium writes it", async () => {
    const b = "----WebKitFormBoundaryx8ytBzWAHjTqM9Rp";
    const body = `--${b}\r\nContent-Disposition: form-data; name="nick"\r\n\r\nalice\r\n--${b}\r\nContent-Disposition: form-data; name="text"\r\n\r\n${MULTILINE}\r\n--${b}--\r\n`;
    expect(await fieldsOf(body, `multipart/form-data; boundary=${b}`)).toEqual({ nick: "alice", text: MULTILINE });
  });

  it("reads the body the runtime itself makes of a FormData", async () => {
    const data = new FormData();
    data.set("nick", "ボブ");
    data.set("text", MULTILINE);
    const made = new Request("http://chat.test/", { method: "POST", body: data });
    expect(Object.fromEntries(await readForm(made))).toEqual({ nick: "ボブ", text: MULTILINE });
  });

  it("reads curl's -F body", async () => {
    const b = "------------------------4ebf00fbcf09";
    const body = `--${b}\r\nContent-Disposition: form-data; name="nick"\r\n\r\nbob\r\n--${b}\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi there\r\n--${b}--\r\n`;
    expect(await fieldsOf(body, `multipart/form-data; boundary=${b}`)).toEqual({ nick: "bob", text: "hi there" });
  });

  it("reads Python requests' files=(None, value) body", async () => {
    const b = "3a0d5b4c9f2e41d8a7b6c5d4e3f2a1b0";
    const body = `--${b}\r\nContent-Disposition: form-data; name="nick"\r\n\r\ncarol\r\n--${b}\r\nContent-Disposition: form-data; name="text"\r\n\r\n\u00e9t\u00e9\r\n--${b}--\r\n`;
    expect(await fieldsOf(body, `multipart/form-data; boundary=${b}`)).toEqual({ nick: "carol", text: "été" });
  });

  it("reads a preamble, an epilogue, LF-only line ends, header names in any case and 8bit/7bit encodings", async () => {
    const b = "xyz";
    const body =
      `This is the preamble.\n--${b}\nCONTENT-DISPOSITION: Form-Data; NAME="nick"\nContent-Transfer-Encoding: 8BIT\n\ndave\n` +
      `--${b}  \ncontent-disposition: form-data; name=text\ncontent-transfer-encoding: 7bit\ncontent-type: text/plain; charset=UTF-8\n\nline one\nline two\n--${b}--\nThe epilogue.\n`;
    expect(await fieldsOf(body, `Multipart/Form-Data; Boundary=${b}; charset=utf-8`)).toEqual({ nick: "dave", text: "line one\nline two" });
  });

  it("takes text that only starts like the boundary as content", async () => {
    const b = "frontier";
    const value = `--frontierless\r\n--frontier-ish and --frontier in the middle`;
    const body = `--${b}\r\nContent-Disposition: form-data; name="text"\r\n\r\n${value}\r\n--${b}\r\nContent-Disposition: form-data; name="nick"\r\n\r\neve\r\n--${b}--`;
    expect(await fieldsOf(body, `multipart/form-data; boundary=${b}`)).toEqual({ text: value, nick: "eve" });
  });

  it("keeps each name's first value and reads empty values", async () => {
    const boundary = gaucheBoundary();
    const body = gaucheMultipart(
      [
        ["nick", "first"],
        ["nick", "second"],
        ["text", ""],
      ],
      boundary,
    );
    expect(await fieldsOf(body, gaucheContentType(boundary))).toEqual({ nick: "first", text: "" });
  });

  it("refuses Gauche's 1,000-part body as over the size cap, and reads 1,000 parts under a larger one", async () => {
    const boundary = "b";
    const fields = Array.from({ length: 1000 }, (_, i) => [`f${i}`, String(i)] as const);
    const body = gaucheMultipart(fields, boundary);
    expect(body.byteLength).toBeGreaterThan(MAX_FORM_BYTES);
    expect((await refusal(body, gaucheContentType(boundary))).status).toBe(413);
    const tiny = encoder.encode(`${Array.from({ length: 1000 }, (_, i) => `--b\nContent-Disposition:form-data;name=${i}\n\n`).join("")}--b--`);
    expect(tiny.byteLength).toBeLessThan(48 * 1024);
    const read = await readForm(request(tiny, "multipart/form-data; boundary=b"), 64 * 1024);
    expect(read.size).toBe(1000);
  });

  it("reads urlencoded bodies, with and without a charset", async () => {
    expect(await fieldsOf("nick=f%C3%A9e&text=a+b%0Ac", "application/x-www-form-urlencoded")).toEqual({ nick: "fée", text: "a b\nc" });
    expect(await fieldsOf("who=bot", "application/x-www-form-urlencoded; charset=UTF-8")).toEqual({ who: "bot" });
  });

  const refused: { name: string; body: string | Uint8Array; type: string | null; status: number; reason: RegExp }[] = [
    {
      name: "a missing final boundary",
      body: "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n",
      type: "multipart/form-data; boundary=b",
      status: 400,
      reason: /closing boundary/,
    },
    {
      name: "a part cut off in its headers",
      body: "--b\r\nContent-Disposition: form-data; na",
      type: "multipart/form-data; boundary=b",
      status: 400,
      reason: /cut off/,
    },
    { name: "a boundary that never occurs", body: "--other\r\n\r\n--other--", type: "multipart/form-data; boundary=b", status: 400, reason: /does not occur/ },
    { name: "no boundary parameter", body: "--b--", type: "multipart/form-data", status: 400, reason: /no boundary/ },
    {
      name: "a part without a name",
      body: "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--",
      type: "multipart/form-data; boundary=b",
      status: 400,
      reason: /without a name/,
    },
    {
      name: "a part without a disposition",
      body: "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--",
      type: "multipart/form-data; boundary=b",
      status: 400,
      reason: /Content-Disposition/,
    },
    {
      name: "a header line without a colon",
      body: "--b\r\nnonsense\r\n\r\nx\r\n--b--",
      type: "multipart/form-data; boundary=b",
      status: 400,
      reason: /header/,
    },
    {
      name: "a file part",
      body: '--b\r\nContent-Disposition: form-data; name="text"; filename="a.txt"\r\n\r\nx\r\n--b--',
      type: "multipart/form-data; boundary=b",
      status: 400,
      reason: /must not be a file/,
    },
    {
      name: "a part in Shift_JIS",
      body: "--b\r\nContent-Disposition: form-data; name=text\r\nContent-Type: text/plain; charset=Shift_JIS\r\n\r\n\x82\xa0\r\n--b--",
      type: "multipart/form-data; boundary=b",
      status: 415,
      reason: /UTF-8/,
    },
    { name: "a form declared ISO-8859-1", body: "nick=a&text=b", type: "application/x-www-form-urlencoded; charset=ISO-8859-1", status: 415, reason: /UTF-8/ },
    {
      name: "a base64 part",
      body: "--b\r\nContent-Disposition: form-data; name=text\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n--b--",
      type: "multipart/form-data; boundary=b",
      status: 415,
      reason: /transfer encoding base64/,
    },
    {
      name: "invalid UTF-8 in a part",
      body: Uint8Array.from([...encoder.encode("--b\r\nContent-Disposition: form-data; name=text\r\n\r\n"), 0xff, 0xfe, ...encoder.encode("\r\n--b--")]),
      type: "multipart/form-data; boundary=b",
      status: 400,
      reason: /not valid UTF-8/,
    },
    {
      name: "a malformed Content-Type parameter",
      body: "--b--",
      type: 'multipart/form-data; boundary="unterminated',
      status: 400,
      reason: /Malformed Content-Type/,
    },
    { name: "a JSON body", body: '{"nick":"a"}', type: "application/json", status: 415, reason: /Expected a form/ },
    { name: "a body without a Content-Type", body: "nick=a", type: null, status: 415, reason: /Expected a form/ },
  ];
  for (const c of refused) {
    it(`refuses ${c.name} with ${c.status}`, async () => {
      const { status, reason } = await refusal(c.body, c.type);
      expect(status).toBe(c.status);
      expect(reason).toMatch(c.reason);
      expect(reason.length).toBeLessThan(120);
    });
  }
});

describe("the endpoints read Gauche's forms", () => {
  it("apilogin without s answers the S-expression alist with charset and no-cache", async () => {
    const room = freshRoom();
    const boundary = gaucheBoundary();
    const res = await room.fetch("apilogin", {
      method: "POST",
      headers: { "Content-Type": gaucheContentType(boundary), "User-Agent": "gauche.http/0.9.15" },
      body: gaucheMultipart([["who", "watcher"]], boundary),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/x-sexpr; charset=utf-8");
    expect(res.headers.get("Cache-Control")).toBe("no-cache");
    const reply = alistToObject(readDatum(await res.text()));
    expect(Object.keys(reply)).toEqual(["post-uri", "comet-uri", "icon-uri", "room-name", "cid", "pos"]);
  });

  it("apilogin with s=0 answers compact JSON with charset and no-cache", async () => {
    const room = freshRoom();
    const boundary = gaucheBoundary();
    const res = await room.fetch("apilogin", {
      method: "POST",
      headers: { "Content-Type": gaucheContentType(boundary) },
      body: gaucheMultipart(
        [
          ["who", "watcher"],
          ["s", "0"],
        ],
        boundary,
      ),
    });
    expect(res.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("Cache-Control")).toBe("no-cache");
    const text = await res.text();
    expect(text).toBe(JSON.stringify(JSON.parse(text)));
    expect(Object.keys(JSON.parse(text))).toEqual(["post-uri", "comet-uri", "icon-uri", "room-name", "cid", "pos"]);
  });

  it("a Gauche post with a multi-line, non-ASCII text is stored as sent, and its reply reads", async () => {
    const room = freshRoom();
    const boundary = gaucheBoundary();
    const res = await room.fetch("post", {
      method: "POST",
      headers: { "Content-Type": gaucheContentType(boundary) },
      body: gaucheMultipart(
        [
          ["nick", "gosh"],
          ["text", MULTILINE],
          ["cid", "77"],
        ],
        boundary,
      ),
    });
    expect(res.status).toBe(200);
    readDatum(await res.text());
    const stored = await room.inside((context) => context.log.all());
    expect(stored.map((e) => [e.nick, e.text])).toEqual([["gosh", MULTILINE]]);
  });
});
