import { describe, expect, it } from "vitest";
import { entryAnchor as serverAnchor, permalink as serverPermalink } from "../../../src/protocol/entry.js";
import { formatCursor, parseCursor } from "../src/cursor.js";
import { ConnectionError } from "../src/errors.js";
import { permalinkOf, roomBase } from "../src/permalink.js";
import { retryAfterSeconds } from "../src/poster.js";
import { readCometReply, readLogin, readPostReply } from "../src/replies.js";

describe("reading the room's replies", () => {
  it("should read apilogin's S-expression and JSON replies alike", () => {
    const sexpr = readLogin(
      '((post-uri . "http://h/lobby/post") (comet-uri . "http://h/lobby/comet") (icon-uri . "http://h/chaton.svg") (room-name . "Chaton \\"Lobby\\"") (cid . 1234567) (pos . 42))',
      "sexpr",
    );
    const json = readLogin(
      JSON.stringify({
        "post-uri": "http://h/lobby/post",
        "comet-uri": "http://h/lobby/comet",
        "icon-uri": "http://h/chaton.svg",
        "room-name": 'Chaton "Lobby"',
        cid: 1234567,
        pos: 42,
      }),
      "json",
    );
    expect(sexpr).toEqual(json);
    expect(sexpr["room-name"]).toBe('Chaton "Lobby"');
  });

  it("should read a comet ping in either format", () => {
    expect(readCometReply('((pos . 42) (nc . 3) (ver . "k2x9") (cid . 1) (content))', "sexpr").content).toEqual([]);
    expect(readCometReply('{"pos":42,"nc":3,"ver":"k2x9","cid":1,"content":[]}', "json").content).toEqual([]);
  });

  it("should refuse a reply that is not the expected shape", () => {
    expect(() => readCometReply('((pos . "x") (nc . 3) (cid . 1) (content))', "sexpr")).toThrow(ConnectionError);
    expect(() => readCometReply('{"pos":1,"nc":1,"cid":1,"content":[["a",[1],"b"]]}', "json")).toThrow(/not an entry/);
    expect(() => readLogin("<html>Service Unavailable</html>", "json")).toThrow(/unreadable/);
  });

  it("should read the poster's acknowledgement by its content type", () => {
    expect(readPostReply('{"stored":true,"pos":7}', "application/json; charset=utf-8")).toEqual({ stored: true, pos: 7 });
    expect(readPostReply("((stored . 1) (pos . 7))", "application/x-sexpr; charset=utf-8")).toEqual({ stored: true, pos: 7 });
    expect(readPostReply("((stored . 0) (pos . 6))", "application/x-sexpr")).toEqual({ stored: false, pos: 6 });
    expect(readPostReply("<html></html>", "text/html; charset=utf-8")).toEqual({ stored: true, pos: null });
  });

  it("should read Retry-After in seconds or as a date", () => {
    expect(retryAfterSeconds("12")).toBe(12);
    expect(retryAfterSeconds(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5);
    expect(retryAfterSeconds(null)).toBe(1);
    expect(retryAfterSeconds("soon")).toBe(1);
  });
});

describe("permalinks", () => {
  it("should be the server's own permalinks", () => {
    for (const [sec, usec] of [
      [1700000000, 123456],
      [1700000001, 5],
      [0, 0],
      [1796136725, 999999],
      [1735689599, 16],
    ] as const) {
      expect(permalinkOf("http://h/lobby/", sec, usec)).toBe(`http://h/lobby/${serverPermalink({ sec, usec })}`);
      expect(permalinkOf("http://h/lobby/", sec, usec).endsWith(serverAnchor({ sec, usec }))).toBe(true);
    }
  });

  it("should take the UTC day and at least two hex digits of microseconds", () => {
    expect(permalinkOf("http://h/lobby/", 1700000000, 123456)).toBe("http://h/lobby/a/2023/11/14#entry-6553f100-1e240");
    expect(permalinkOf("http://h/lobby/", 1735689599, 5)).toBe("http://h/lobby/a/2024/12/31#entry-6774857f-05");
  });

  it("should make the room's URL end in one slash, without query or fragment", () => {
    expect(roomBase("http://h/lobby")).toBe("http://h/lobby/");
    expect(roomBase("http://h/lobby/?x=1#y")).toBe("http://h/lobby/");
  });
});

describe("cursors", () => {
  it("should read back what is written", () => {
    for (const cursor of [{ pos: 0 }, { pos: 42 }, { pos: 100, after: [1700000000, 5] as [number, number] }]) {
      expect(parseCursor(formatCursor(cursor))).toEqual(cursor);
    }
  });

  it("should refuse what is not a cursor", () => {
    for (const text of ["", "42", '{"pos":-1}', '{"pos":1.5}', '{"pos":1,"after":[1]}', "null"]) expect(parseCursor(text)).toBeNull();
  });
});
