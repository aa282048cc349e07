import { describe, expect, it } from "vitest";
import { Blocklist, formatAddress, formatRule, parseAddress, parseBlocklist, sameRange } from "../../src/security/blocklist";

function blocklistOf(text: string): Blocklist {
  const { rules, errors } = parseBlocklist(text);
  expect(errors).toEqual([]);
  return new Blocklist(rules);
}

function reasonFor(entry: string): string | undefined {
  const { rules, errors } = parseBlocklist(entry);
  expect(rules).toEqual([]);
  return errors[0]?.reason;
}

describe("parsing a blocklist", () => {
  it("should read IPv4 and IPv6 addresses and ranges, with their comments", () => {
    const { rules, errors } = parseBlocklist(["203.0.113.7", "198.51.100.0/24 # spam wave, March", "2001:DB8::/32", "2001:db8:1::42 #  one host  "].join("\n"));
    expect(errors).toEqual([]);
    expect(rules).toEqual([
      { family: "ipv4", network: 0xcb007107n, prefix: 32, comment: "" },
      { family: "ipv4", network: 0xc6336400n, prefix: 24, comment: "spam wave, March" },
      { family: "ipv6", network: 0x20010db8n << 96n, prefix: 32, comment: "" },
      { family: "ipv6", network: (0x20010db8_0001n << 80n) | 0x42n, prefix: 128, comment: "one host" },
    ]);
  });

  it("should skip blank lines and whole-line comments, and count lines from 1 for errors", () => {
    const { rules, errors } = parseBlocklist("# the list\n\n   \n\t# indented comment\r\n10.0.0.1\r\n300.1.1.1 # typo\n");
    expect(rules.map(formatRule)).toEqual(["10.0.0.1"]);
    expect(errors).toEqual([{ line: 6, text: "300.1.1.1 # typo", reason: "octet 300 is over 255" }]);
  });

  it("should report broken lines and keep the good lines around them", () => {
    const { rules, errors } = parseBlocklist(["1.2.3.4", "1.2.3", "5.6.7.8/24", "junk", "::1"].join("\n"));
    expect(rules.map(formatRule)).toEqual(["1.2.3.4", "5.6.7.0/24", "::1"]);
    expect(errors.map((e) => [e.line, e.text])).toEqual([
      [2, "1.2.3"],
      [4, "junk"],
    ]);
  });

  it("should refuse bad octets", () => {
    expect(reasonFor("256.0.0.1")).toBe("octet 256 is over 255");
    expect(reasonFor("1.2.3.1000")).toBe("octet 1000 is over 255");
    expect(reasonFor("1.2.3")).toBe("an IPv4 address has four octets");
    expect(reasonFor("1.2.3.4.5")).toBe("an IPv4 address has four octets");
    expect(reasonFor("1.2..4")).toBe('bad octet ""');
    expect(reasonFor("1.2.3.")).toBe('bad octet ""');
  });

  it("should refuse octets with leading zeros, which some parsers read as octal", () => {
    expect(reasonFor("010.0.0.1")).toBe('leading zero in octet "010"');
    expect(reasonFor("1.2.3.00")).toBe('leading zero in octet "00"');
    expect(parseBlocklist("0.0.0.0/0").rules).toHaveLength(1);
  });

  it("should refuse masks over 32 for IPv4 and over 128 for IPv6, and masks that are not decimal numbers", () => {
    expect(reasonFor("1.2.3.4/33")).toBe("mask /33 is over 32");
    expect(reasonFor("2001:db8::/129")).toBe("mask /129 is over 128");
    expect(reasonFor("1.2.3.4/-1")).toBe('mask "-1" is not a decimal number');
    expect(reasonFor("1.2.3.4/x")).toBe('mask "x" is not a decimal number');
    expect(reasonFor("1.2.3.4/")).toBe('mask "" is not a decimal number');
    expect(reasonFor("1.2.3.4/024")).toBe('mask "024" is not a decimal number');
    expect(reasonFor("1.2.3.4/8/8")).toBe("more than one '/'");
  });

  it("should refuse junk", () => {
    for (const junk of ["hello", "example.com", "1.2.3.4-1.2.3.9", "/24", "*", "1.2.3.4 5.6.7.8", "0x7f.0.0.1"]) {
      expect(reasonFor(junk), junk).toBeDefined();
    }
    expect(reasonFor("hello")).toBe("not an IP address or range");
    expect(reasonFor("1.2.3.4 5.6.7.8")).toBe("more than one entry on the line");
  });

  it("should refuse broken IPv6 addresses", () => {
    expect(reasonFor("2001:db8::1::2")).toBe("more than one '::'");
    expect(reasonFor("1:2:3:4:5:6:7:8:9")).toBe("too many groups");
    expect(reasonFor("1:2:3:4::5:6:7:8")).toBe("too many groups");
    expect(reasonFor("1:2:3:4:5:6:7")).toBe("too few groups");
    expect(reasonFor("2001:db8::12345")).toBe('group "12345" is over 4 hex digits');
    expect(reasonFor("2001:db8::g")).toBe('bad group "g"');
    expect(reasonFor("2001:db8:::1")).toBe("empty group");
    expect(reasonFor(":1:2:3:4:5:6:7")).toBe("empty group");
    expect(reasonFor("fe80::1%eth0")).toBe("zone ids are not allowed");
    expect(reasonFor("::ffff:1.2.3.256")).toBe("octet 256 is over 255");
    expect(reasonFor("1.2.3.4::")).toBe("embedded IPv4 address not at the end");
  });

  it("should accept every standard IPv6 form", () => {
    const forms = {
      "2001:0db8:0000:0000:0000:0000:0000:0001": "2001:db8::1",
      "2001:DB8::1": "2001:db8::1",
      "::": "::",
      "::1": "::1",
      "1::": "1::",
      "1:2:3:4:5:6:7::": "1:2:3:4:5:6:7:0",
      "::2:3:4:5:6:7:8": "0:2:3:4:5:6:7:8",
      "::ffff:192.0.2.1": "::ffff:192.0.2.1",
      "::FFFF:c000:0201": "::ffff:192.0.2.1",
      "64:ff9b::192.0.2.1": "64:ff9b::c000:201",
      "1:2:3:4:5:6:1.2.3.4": "1:2:3:4:5:6:102:304",
    };
    for (const [written, canonical] of Object.entries(forms)) {
      const address = parseAddress(written);
      expect(address, written).not.toBeNull();
      expect(formatAddress(address!)).toBe(canonical);
    }
  });
});

describe("parsing an address", () => {
  it("should give IPv4 as a 32-bit number and IPv6 as a 128-bit one", () => {
    expect(parseAddress("255.255.255.255")).toEqual({ family: "ipv4", value: 0xffff_ffffn });
    expect(parseAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).toEqual({ family: "ipv6", value: (1n << 128n) - 1n });
    expect(parseAddress(" 192.0.2.1 ")).toEqual({ family: "ipv4", value: 0xc0000201n });
  });

  it("should give null for anything that is not a single address", () => {
    for (const text of ["", "unknown", "192.0.2.1/32", "192.0.2", "[::1]", "fe80::1%1", "::ffff:1.2.3"]) {
      expect(parseAddress(text), text).toBeNull();
    }
  });
});

describe("formatting a rule", () => {
  it("should write the canonical form with the comment after '#'", () => {
    const { rules } = parseBlocklist(
      [
        "203.0.113.0/24   #   comment  ",
        "203.0.113.9/32",
        "2001:0DB8:0000:0000:0001:0000:0000:0001/128 #x",
        "2001:db8:0:0:1::/80",
        "::ffff:203.0.113.0/120",
      ].join("\n"),
    );
    expect(rules.map(formatRule)).toEqual([
      "203.0.113.0/24 # comment",
      "203.0.113.9",
      "2001:db8::1:0:0:1 # x",
      "2001:db8:0:0:1::/80",
      "::ffff:203.0.113.0/120",
    ]);
  });

  it("should clear host bits from a range, so the line shows what is blocked", () => {
    const { rules, errors } = parseBlocklist("203.0.113.7/24\n2001:db8::ffff/112\n10.1.2.3/0");
    expect(errors).toEqual([]);
    expect(rules.map(formatRule)).toEqual(["203.0.113.0/24", "2001:db8::/112", "0.0.0.0/0"]);
  });

  it("should read back what it writes", () => {
    const text = "203.0.113.0/24 # a\n2001:db8::/32 # b\n::ffff:192.0.2.1\n0.0.0.0/0\n::/0";
    const once = parseBlocklist(text).rules;
    const twice = parseBlocklist(once.map(formatRule).join("\n")).rules;
    expect(twice).toEqual(once);
    expect(once.map(formatRule).join("\n")).toBe(text);
  });

  it("should never let a comment add a line to the list", () => {
    const line = formatRule({ family: "ipv4", network: 0x0a000000n, prefix: 8, comment: "first\n0.0.0.0/0\rx" });
    expect(line).toBe("10.0.0.0/8 # first 0.0.0.0/0 x");
    expect(parseBlocklist(line).rules).toHaveLength(1);
  });

  it("should tell rules with the same range apart from their comments", () => {
    const [a, b, c] = parseBlocklist("203.0.113.7/24 # one\n203.0.113.0/24 # two\n203.0.113.0/25").rules;
    expect(sameRange(a!, b!)).toBe(true);
    expect(sameRange(a!, c!)).toBe(false);
  });
});

describe("matching addresses", () => {
  it("should block the first and last IPv4 address of a range and not the ones just outside", () => {
    const list = blocklistOf("203.0.113.0/24 # documentation net");
    expect(list.blocks("203.0.112.255")).toBeNull();
    expect(list.blocks("203.0.113.0")).toMatchObject({ prefix: 24, comment: "documentation net" });
    expect(list.blocks("203.0.113.128")).not.toBeNull();
    expect(list.blocks("203.0.113.255")).not.toBeNull();
    expect(list.blocks("203.0.114.0")).toBeNull();
  });

  it("should block exactly one IPv4 address with /32 or no mask", () => {
    for (const text of ["198.51.100.7/32", "198.51.100.7"]) {
      const list = blocklistOf(text);
      expect(list.blocks("198.51.100.6")).toBeNull();
      expect(list.blocks("198.51.100.7")).not.toBeNull();
      expect(list.blocks("198.51.100.8")).toBeNull();
    }
  });

  it("should block every IPv4 address with 0.0.0.0/0 and no IPv6 address", () => {
    const list = blocklistOf("0.0.0.0/0");
    expect(list.blocks("0.0.0.0")).not.toBeNull();
    expect(list.blocks("255.255.255.255")).not.toBeNull();
    expect(list.blocks("2001:db8::1")).toBeNull();
  });

  it("should block the first and last IPv6 address of a range and not the ones just outside", () => {
    const list = blocklistOf("2001:db8:a::/48");
    expect(list.blocks("2001:db8:9:ffff:ffff:ffff:ffff:ffff")).toBeNull();
    expect(list.blocks("2001:db8:a::")).not.toBeNull();
    expect(list.blocks("2001:DB8:A:0:0:0:0:1")).not.toBeNull();
    expect(list.blocks("2001:db8:a:ffff:ffff:ffff:ffff:ffff")).not.toBeNull();
    expect(list.blocks("2001:db8:b::")).toBeNull();
  });

  it("should block two addresses with /127 and one with /128", () => {
    const pair = blocklistOf("2001:db8::2/127");
    expect(["2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4"].map((a) => pair.blocks(a) !== null)).toEqual([false, true, true, false]);
    const single = blocklistOf("2001:db8::2/128");
    expect(["2001:db8::1", "2001:db8::2", "2001:db8::3"].map((a) => single.blocks(a) !== null)).toEqual([false, true, false]);
  });

  it("should block every IPv6 address with ::/0, from :: to the last one, and no IPv4 address", () => {
    const list = blocklistOf("::/0");
    expect(list.blocks("::")).not.toBeNull();
    expect(list.blocks("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).not.toBeNull();
    expect(list.blocks("192.0.2.1")).toBeNull();
    expect(list.blocks("::ffff:192.0.2.1")).toBeNull();
  });

  it("should see an IPv4-mapped IPv6 address as the IPv4 address it carries", () => {
    const list = blocklistOf("203.0.113.0/24");
    expect(list.blocks("::ffff:203.0.113.9")).not.toBeNull();
    expect(list.blocks("::FFFF:CB00:71FF")).not.toBeNull();
    expect(list.blocks("::ffff:203.0.114.0")).toBeNull();
    // Only ::ffff:0:0/96 maps; the same low bits elsewhere are an IPv6 address.
    expect(list.blocks("::203.0.113.9")).toBeNull();
    expect(list.blocks("64:ff9b::203.0.113.9")).toBeNull();
  });

  it("should let a rule written as a mapped range block the IPv4 addresses it stands for", () => {
    const list = blocklistOf("::ffff:203.0.113.0/120");
    expect(list.blocks("203.0.113.0")).not.toBeNull();
    expect(list.blocks("203.0.113.255")).not.toBeNull();
    expect(list.blocks("203.0.114.0")).toBeNull();
    expect(list.blocks("::ffff:203.0.113.1")).not.toBeNull();
  });

  it("should answer with the first rule that covers the address", () => {
    const list = blocklistOf("10.0.0.0/8 # wide\n10.1.0.0/16 # narrow");
    expect(list.blocks("10.1.2.3")?.comment).toBe("wide");
  });

  it("should never block an address it cannot read", () => {
    const list = blocklistOf("0.0.0.0/0\n::/0");
    for (const text of ["", "unknown", "not-an-ip", "1.2.3", "256.1.1.1", "fe80::1%eth0"]) {
      expect(list.blocks(text), text).toBeNull();
    }
  });

  it("should block nothing when the list is empty", () => {
    expect(new Blocklist([]).blocks("192.0.2.1")).toBeNull();
  });
});
