import { describe, expect, it } from "vitest";
import { alist, cons, sym, writeSexpr, writeString, WrittenList } from "../../src/protocol/sexpr";
import { Pair, readDatum, Sym } from "../../packages/client/src/sexpr";

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

  it("should write form feed and NUL as Gauche does", () => {
    expect(writeString("a\fb\u0000c")).toBe('"a\\fb\\0c"');
  });

  it("should write non-ASCII format, control, private and unassigned characters as four-digit escapes", () => {
    expect(writeString("a\u200bb\u0085c\ue000d\u0378")).toBe('"a\\x200b;b\\x0085;c\\xe000;d\\x0378;"');
    expect(writeString("\u{f0000}")).toBe('"\\xf0000;"');
  });

  it("should print a dotted pair whose tail is a list as a list", () => {
    expect(writeSexpr(cons(sym("content"), [["a", [1, 2], "b"]]))).toBe('(content ("a" (1 2) "b"))');
    expect(writeSexpr(cons(sym("content"), []))).toBe("(content)");
    expect(writeSexpr(cons(sym("content"), new WrittenList("")))).toBe("(content)");
    expect(writeSexpr(cons(sym("pos"), 42))).toBe("(pos . 42)");
  });

  it("should write an association list that Scheme's read takes back", () => {
    const text = 'line1\nline2\t"quoted" \\ ü';
    const written = writeSexpr(
      alist([
        ["pos", 3],
        ["ver", "k2x9"],
        ["content", [["bob", [1700000001, 5], text]]],
      ]),
    );
    const read = readDatum(written) as unknown[];
    expect(read[0]).toEqual(new Pair(new Sym("pos"), 3));
    expect(read[1]).toEqual(new Pair(new Sym("ver"), "k2x9"));
    expect(read[2]).toEqual([new Sym("content"), ["bob", [1700000001, 5], text]]);
  });

  it("should read back every string it writes", () => {
    const texts = ["", "plain", "a\u0000\u0001\u001f\u007f\fz", "zw\u200bsp", "日本語 🐱 \u{10ffff}", '\\"\n\t\r'];
    for (const text of texts) expect(readDatum(writeString(text))).toBe(text);
  });

  it("should refuse to write a number that is not an integer", () => {
    expect(() => writeSexpr(1.5)).toThrow(TypeError);
  });
});

describe("the Gauche datum reader", () => {
  it("should read every string escape Gauche reads", () => {
    expect(readDatum('"\\\\ \\" \\n \\t \\r \\f \\0 \\a \\b \\v"')).toBe('\\ " \n \t \r \f \0 \x07 \b \v');
    expect(readDatum('"\\x41;\\x200B;\\x1F431;"')).toBe("A\u200b🐱");
    expect(readDatum('"\\u00e9\\U0001f431"')).toBe("é🐱");
  });

  it("should read the legacy two-digit hex escape without a semicolon", () => {
    expect(readDatum('"a\\x01b"')).toBe("a\u0001b");
  });

  it("should join lines at a backslash before a line end", () => {
    expect(readDatum('"one\\\n   two"')).toBe("onetwo");
  });

  it("should read an original data line with three or four elements and #f", () => {
    expect(readDatum('("alice" (1700000000 123456) "hi" "1.2.3.4")')).toEqual(["alice", [1700000000, 123456], "hi", "1.2.3.4"]);
    expect(readDatum('("bob" (1200000000 5) "old")')).toEqual(["bob", [1200000000, 5], "old"]);
    expect(readDatum('("carol" (1300000000 0) "x" #f)')).toEqual(["carol", [1300000000, 0], "x", false]);
  });

  it("should read dotted pairs, and a dotted list tail as a list", () => {
    expect(readDatum("(pos . 42)")).toEqual(new Pair(new Sym("pos"), 42));
    expect(readDatum("(a . (1 2))")).toEqual([new Sym("a"), 1, 2]);
    expect(readDatum("(a b . c)")).toEqual(new Pair(new Sym("a"), new Pair(new Sym("b"), new Sym("c"))));
  });

  it("should refuse what Scheme's read refuses", () => {
    for (const bad of ['("a" (1 2) "unterminated', '"\\q"', '"\\xZZ;"', "(1 . 2 3)", "( . 1)", ")", "(1) 2", '"\\x110000;"']) {
      expect(() => readDatum(bad), bad).toThrow(SyntaxError);
    }
  });
});
