/**
 * The IP blocklist: addresses and CIDR ranges, IPv4 and IPv6, one per line,
 * `#` starting a comment, as in the original Chaton's list (which only knew IPv4).
 *
 * Not ipaddr.js (2.5, checked 2026-12-06): it reads `010.0.0.1` as 8.0.0.1 and
 * `127.1` as 127.0.0.1 (inet_aton's forms, which a list written by people must
 * refuse, not reinterpret), takes zone ids (`fe80::1%eth0`), and says only
 * "neither IPv6 nor IPv4 format" of a bad line, where the admin command
 * reports which octet or group is wrong; ranges would still be compared here.
 */

export type AddressFamily = "ipv4" | "ipv6";

/** An address as an unsigned integer of its family's width (32 or 128 bits). */
export interface Address {
  family: AddressFamily;
  value: bigint;
}

/** A blocked range. `network` has no host bits set; a single address has the full prefix (32 or 128). */
export interface BlockRule {
  family: AddressFamily;
  network: bigint;
  prefix: number;
  comment: string;
}

export interface BlocklistError {
  /** 1-based line number in the parsed text. */
  line: number;
  text: string;
  reason: string;
}

const BITS: Record<AddressFamily, number> = { ipv4: 32, ipv6: 128 };

/** ::ffff:0:0/96, the IPv4-mapped addresses a dual-stack socket reports IPv4 peers as. */
const MAPPED_PREFIX = 0xffffn << 32n;
const MAPPED_MASK = ~0xffff_ffffn & ((1n << 128n) - 1n);

class BadEntry extends Error {}

const DECIMAL = /^(0|[1-9]\d*)$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;

function ipv4Value(text: string): bigint {
  const octets = text.split(".");
  if (octets.length !== 4) throw new BadEntry("an IPv4 address has four octets");
  let value = 0n;
  for (const octet of octets) {
    if (!/^\d+$/.test(octet)) throw new BadEntry(`bad octet "${octet}"`);
    // 010 is 8 to inet_aton and 10 to a human: refuse the ambiguity.
    if (!DECIMAL.test(octet)) throw new BadEntry(`leading zero in octet "${octet}"`);
    if (octet.length > 3 || Number(octet) > 255) throw new BadEntry(`octet ${octet} is over 255`);
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function hexGroups(part: string, lastPart: boolean): bigint[] {
  if (part === "") return [];
  const groups = part.split(":");
  const values: bigint[] = [];
  groups.forEach((group, i) => {
    if (group === "") throw new BadEntry("empty group");
    if (group.includes(".")) {
      if (!lastPart || i !== groups.length - 1) throw new BadEntry("embedded IPv4 address not at the end");
      const v4 = ipv4Value(group);
      values.push(v4 >> 16n, v4 & 0xffffn);
      return;
    }
    if (!HEX_GROUP.test(group)) {
      throw new BadEntry(/^[0-9a-f]+$/.test(group) ? `group "${group}" is over 4 hex digits` : `bad group "${group}"`);
    }
    values.push(BigInt(`0x${group}`));
  });
  return values;
}

function ipv6Value(written: string): bigint {
  const text = written.toLowerCase();
  if (text.includes("%")) throw new BadEntry("zone ids are not allowed");
  const halves = text.split("::");
  if (halves.length > 2) throw new BadEntry("more than one '::'");
  let groups: bigint[];
  if (halves.length === 2) {
    const head = hexGroups(halves[0]!, false);
    const tail = hexGroups(halves[1]!, true);
    // "::" stands for at least one group of zeros.
    if (head.length + tail.length > 7) throw new BadEntry("too many groups");
    groups = [...head, ...Array<bigint>(8 - head.length - tail.length).fill(0n), ...tail];
  } else {
    groups = hexGroups(text, true);
    if (groups.length > 8) throw new BadEntry("too many groups");
    if (groups.length < 8) throw new BadEntry("too few groups");
  }
  return groups.reduce((value, group) => (value << 16n) | group, 0n);
}

function readAddress(text: string): Address {
  if (text.includes(":")) return { family: "ipv6", value: ipv6Value(text) };
  if (/^[\d.]+$/.test(text)) return { family: "ipv4", value: ipv4Value(text) };
  throw new BadEntry("not an IP address or range");
}

/** An address in any standard text form, or null. An IPv4-mapped IPv6 address stays IPv6 here. */
export function parseAddress(text: string): Address | null {
  try {
    return readAddress(text.trim());
  } catch (error) {
    if (error instanceof BadEntry) return null;
    throw error;
  }
}

function hostMask(family: AddressFamily, prefix: number): bigint {
  return (1n << BigInt(BITS[family] - prefix)) - 1n;
}

function readRule(entry: string, comment: string): BlockRule {
  if (/\s/.test(entry)) throw new BadEntry("more than one entry on the line");
  const [addressText, prefixText, ...rest] = entry.split("/");
  if (rest.length > 0) throw new BadEntry("more than one '/'");
  const address = readAddress(addressText!);
  const bits = BITS[address.family];
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!DECIMAL.test(prefixText)) throw new BadEntry(`mask "${prefixText}" is not a decimal number`);
    prefix = Number(prefixText);
    if (prefix > bits) throw new BadEntry(`mask /${prefixText} is over ${bits}`);
  }
  // Host bits are dropped rather than reported: 203.0.113.7/24 can only mean
  // 203.0.113.0/24, and formatRule shows the range that is actually blocked.
  const network = address.value & ~hostMask(address.family, prefix);
  return { family: address.family, network, prefix, comment };
}

/** Reads a blocklist; lines that are not an address or range are reported and left out. */
export function parseBlocklist(text: string): { rules: BlockRule[]; errors: BlocklistError[] } {
  const rules: BlockRule[] = [];
  const errors: BlocklistError[] = [];
  text.split(/\r?\n|\r/).forEach((lineText, i) => {
    const hash = lineText.indexOf("#");
    const entry = (hash < 0 ? lineText : lineText.slice(0, hash)).trim();
    if (entry === "") return;
    const comment = hash < 0 ? "" : lineText.slice(hash + 1).trim();
    try {
      rules.push(readRule(entry, comment));
    } catch (error) {
      if (!(error instanceof BadEntry)) throw error;
      errors.push({ line: i + 1, text: lineText, reason: error.message });
    }
  });
  return { rules, errors };
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups (the first of equals) as "::". */
function formatIpv6(value: bigint): string {
  if ((value & MAPPED_MASK) === MAPPED_PREFIX) return `::ffff:${formatIpv4(value & 0xffff_ffffn)}`;
  const groups = Array.from({ length: 8 }, (_, i) => (value >> BigInt(112 - 16 * i)) & 0xffffn);
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0n) length++;
    if (length > bestLength) [bestStart, bestLength] = [start, length];
  }
  const hex = (part: bigint[]) => part.map((group) => group.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

export function formatAddress(address: Address): string {
  return address.family === "ipv4" ? formatIpv4(address.value) : formatIpv6(address.value);
}

/**
 * The canonical line for a rule: "203.0.113.0/24 # comment"; a single
 * address has no "/32" or "/128". Line breaks and other controls in the
 * comment become spaces, so a comment can never add a line, that is a rule.
 */
export function formatRule(rule: BlockRule): string {
  const address = formatAddress({ family: rule.family, value: rule.network });
  const range = rule.prefix === BITS[rule.family] ? address : `${address}/${rule.prefix}`;
  const comment = rule.comment.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").trim();
  return comment === "" ? range : `${range} # ${comment}`;
}

/** Whether two rules block the same range, whatever their comments say. */
export function sameRange(a: BlockRule, b: BlockRule): boolean {
  return a.family === b.family && a.network === b.network && a.prefix === b.prefix;
}

interface CompiledRule {
  rule: BlockRule;
  family: AddressFamily;
  network: bigint;
  mask: bigint;
}

/** An IPv4-mapped IPv6 address or range, seen as the IPv4 one it stands for. */
function unmapped(family: AddressFamily, value: bigint, prefix: number): { family: AddressFamily; value: bigint; prefix: number } {
  if (family === "ipv6" && prefix >= 96 && (value & MAPPED_MASK) === MAPPED_PREFIX) {
    return { family: "ipv4", value: value & 0xffff_ffffn, prefix: prefix - 96 };
  }
  return { family, value, prefix };
}

/**
 * The rules, ready to match. A client seen as ::ffff:a.b.c.d is the IPv4
 * client a.b.c.d: IPv4 rules block it, and IPv6 rules wider than
 * ::ffff:0:0/96 (such as ::/0) do not, just as they do not block a.b.c.d.
 */
export class Blocklist {
  private readonly compiled: CompiledRule[];

  constructor(readonly rules: readonly BlockRule[]) {
    this.compiled = rules.map((rule) => {
      const seen = unmapped(rule.family, rule.network, rule.prefix);
      const mask = ((1n << BigInt(BITS[seen.family])) - 1n) & ~hostMask(seen.family, seen.prefix);
      return { rule, family: seen.family, network: seen.value & mask, mask };
    });
  }

  /** The first rule that covers the address; an address that does not parse is never blocked. */
  blocks(address: string): BlockRule | null {
    const parsed = parseAddress(address);
    if (parsed === null) return null;
    const seen = unmapped(parsed.family, parsed.value, BITS[parsed.family]);
    for (const candidate of this.compiled) {
      if (candidate.family === seen.family && (seen.value & candidate.mask) === candidate.network) return candidate.rule;
    }
    return null;
  }
}
