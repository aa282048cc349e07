import { describe, expect, it } from "vitest";
import { alist, cons, sym, writeSexpr, writeString, WrittenList } from "../../src/protocol/sexpr";
import { DottedPair, readSexpr, Symbol_ } from "../support/sexpr-reader";

describe("the S-expression writer", () => {
  it("should escape double quote, backslash, newline, tab and carriage return", () => {
    expect(writeString('a"b\\c\nd\te\rf')).toBe('"a\\"b\\\\c\\nd\\te\\rf"');
  });

  it("should write non-ASCII characters as they are", () => {
    expect(writeString("ü日本🐱")).toBe('"ü日本🐱"');
  });

  it("should write other control characters as hex escapes", () => {
    expect(writeString("a\u0001b\u007f")).toBe('"a\\x01;b\\x7f;"');
  });

  it("should print a dotted pair whose tail is a list as a list", () => {
    expect(writeSexpr(cons(sym("content"), [["a", [1, 2], "b"]]))).toBe('(content ("a" (1 2) "b"))');
    expect(writeSexpr(cons(sym("content"), []))).toBe("(content)");
    expect(writeSexpr(cons(sym("content"), new WrittenList("")))).toBe("(content)");
    expect(writeSexpr(cons(sym("pos"), 42))).toBe("(pos . 42)");
  });

  it("should write an association list that Scheme's read takes back", () => {
    const text = "line1\nline2\t\"quoted\" \\ ü";
    const written = writeSexpr(alist([["pos", 3], ["ver", "k2x9"], ["content", [["bob", [1700000001, 5], text]]]]));
    const read = readSexpr(written) as unknown[];
    expect(read[0]).toEqual(new DottedPair(new Symbol_("pos"), 3));
    expect(read[1]).toEqual(new DottedPair(new Symbol_("ver"), "k2x9"));
    expect(read[2]).toEqual([new Symbol_("content"), ["bob", [1700000001, 5], text]]);
  });

  it("should refuse to write a number that is not an integer", () => {
    expect(() => writeSexpr(1.5)).toThrow(TypeError);
  });
});
