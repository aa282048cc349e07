/**
 * Writes the data directory of an original Chaton room (docs/protocol.md,
 * section 9) with every quirk the importer must handle, and says what a room should
 * hold once it is imported. Also makes large plain directories for the benchmark.
 */
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { dayOf, DAY_SECONDS } from "../../src/protocol/day";
import { entryAnchor } from "../../src/protocol/entry";
import { writeString } from "../../src/protocol/sexpr";

export interface ExpectedEntry {
  nick: string;
  sec: number;
  usec: number;
  text: string;
  /** The original permalink's anchor: entry-<sec hex>-<usec hex>. */
  anchor: string;
}

export interface GeneratedRoom {
  /** The $DATADIR. */
  dir: string;
  htpasswd: string;
  /** Users of the htpasswd file that can sign in, with their passwords. */
  users: { user: string; password: string; format: string }[];
  /** Users the importer reports and leaves out. */
  unknownUsers: string[];
  /** Every day with entries, closed and today's, and what its page must show, in order. */
  days: Map<string, ExpectedEntry[]>;
  today: string;
  /** Entries the current log must hold after the import, in order. */
  current: ExpectedEntry[];
  /** data/sequence */
  sequence: number;
  lastPost: number;
  /** An address of the blacklist, on loopback, so a test can post from it. */
  blockedAddress: string;
  /** The rules the room's blocklist must hold (canonical form). */
  rules: string[];
  /** Lines that do not read, as file:line. */
  unreadable: string[];
  /** Entries moved off a timestamp they shared, as file:line. */
  collisions: string[];
  /** The day refused for an entry of another day (with `badDay`), and its file:line. */
  refused: { day: string; at: string } | null;
  /** data/YYYY/MM/DD.dat paths written, relative to data/. */
  dayFiles: string[];
}

const DAY = DAY_SECONDS;
/** An entry of an original file: how it reads once imported, and the line as written, when written by hand. */
interface Line {
  nick: string;
  sec: number;
  usec: number;
  text: string;
  ip: string | null;
  /** The line exactly as the file has it, when not what Gauche's write prints today. */
  raw?: string;
  /** Time and text after the import, when they differ. */
  expect?: { sec?: number; usec?: number; text?: string; nick?: string };
  /** Three elements (before May 2009). */
  threeElements?: boolean;
}

const datLine = (e: Line) => e.raw ?? `(${writeString(e.nick)} (${e.sec} ${e.usec}) ${writeString(e.text)} ${writeString(e.ip ?? "0.0.0.0")})`;
const currentLine = (e: Line) =>
  e.raw ??
  (e.threeElements
    ? `(${writeString(e.nick)} (${e.sec} ${e.usec}) ${writeString(e.text)})`
    : `(${writeString(e.nick)} (${e.sec} ${e.usec}) ${writeString(e.text)} ${e.ip === null ? "#f" : writeString(e.ip)})`);

function expected(e: Line): ExpectedEntry {
  const sec = e.expect?.sec ?? e.sec;
  const usec = e.expect?.usec ?? e.usec;
  return { nick: e.expect?.nick ?? e.nick, sec, usec, text: e.expect?.text ?? e.text, anchor: entryAnchor({ sec, usec }) };
}

async function write(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** Known htpasswd records (made with htpasswd 2.4 and openssl passwd; see test/worker/htpasswd.test.ts). */
const HTPASSWD = [
  { user: "apruser", hash: "$apr1$2lG5sWKX$CzYx2Nrf4Jy7S.8e8ReqF1", password: "apr password", format: "apr1" },
  { user: "aprutf", hash: "$apr1$7Ytxsa.L$4AWO0N0LYQUu0/P5CYDYz1", password: "pässwörd 日本", format: "apr1" },
  { user: "bcuser", hash: "$2y$05$ZY02kTat5hotsSr3IdL6neS/fVSA1J3erNENhAKxA9K5mHWA1HOGm", password: "bcrypt pw", format: "bcrypt" },
  { user: "shauser", hash: "{SHA}sSgq+8ocT8XjRYLUEw6RNbVInQs=", password: "sha password", format: "sha1" },
  { user: "cryptuser", hash: "P/1Yql0QvpJJo", password: "cryptpw", format: "crypt" },
];

/**
 * A room of 12 closed days before `todayStart` (seconds) and today, with
 * every quirk of section 11. With `badDay`, one day file holds an entry of
 * the day after it, and must be refused.
 */
export async function writeQuirkyRoom(dir: string, todayStart: number, options: { badDay?: boolean } = {}): Promise<GeneratedRoom> {
  const data = join(dir, "data");
  const dayStartOf = (k: number) => todayStart - k * DAY;
  const days = new Map<number, Line[]>();
  const ip = (k: number) => `192.0.2.${k}`;
  const plain = (k: number, n: number, nick = `chatter${k}`): Line[] =>
    Array.from({ length: n }, (_, i) => ({
      nick,
      sec: dayStartOf(k) + 3600 + i * 97,
      usec: (i * 104_729) % 1_000_000,
      text: `day ${k}, entry ${i}: plain words`,
      ip: ip(k),
    }));

  // The first day: its first and last microsecond, and every escape Gauche writes today.
  const d12 = dayStartOf(12);
  days.set(12, [
    { nick: "early", sec: d12, usec: 0, text: "the first microsecond of the day", ip: ip(1) },
    {
      nick: "esc",
      sec: d12 + 60,
      usec: 5,
      text: 'quote " backslash \\ newline\nand tab\tand return\r, form feed \f and NUL \0 kept? no',
      ip: ip(1),
      expect: { text: 'quote " backslash \\ newline\nand tab\tand return\r, form feed  and NUL  kept? no' },
    },
    {
      nick: "esc",
      sec: d12 + 61,
      usec: 6,
      text: "bell \u0007, DEL \u007f, zero-width space \u200b, BOM \ufeff",
      ip: ip(1),
      expect: { text: "bell , DEL \u007f, zero-width space \u200b, BOM \ufeff" },
    },
    { nick: "late", sec: d12 + DAY - 1, usec: 999_999, text: "the last microsecond of the day", ip: ip(1) },
  ]);
  // Older escape forms and uppercase hex, unreadable lines, control characters only.
  const d11 = dayStartOf(11);
  days.set(11, [
    {
      nick: "legacy",
      sec: d11 + 10,
      usec: 1,
      text: "A via \\x41 without ;",
      ip: ip(2),
      raw: `("legacy" (${d11 + 10} 1) "A via \\x41 without ;" "${ip(2)}")`,
      expect: { text: "A via A without ;" },
    },
    { nick: "upper", sec: d11 + 11, usec: 2, text: "upper \u200b hex", ip: ip(2), raw: `("upper" (${d11 + 11} 2) "upper \\x200B; hex" "${ip(2)}")` },
    { nick: "", sec: 0, usec: 0, text: "", ip: null, raw: `("broken" (${d11 + 12} 3) "an unterminated string` },
    { nick: "", sec: 0, usec: 0, text: "", ip: null, raw: `("five" (${d11 + 13} 4) "elements" "${ip(2)}" extra)` },
    { nick: "", sec: 0, usec: 0, text: "", ip: null, raw: `not an entry at all` },
    { nick: "controls", sec: d11 + 14, usec: 5, text: "\u0001\u0002\u0003", ip: ip(2), expect: { text: "" } },
    { nick: "empty", sec: d11 + 15, usec: 6, text: "", ip: ip(2) },
    { nick: "ctl\u0008nick", sec: d11 + 16, usec: 7, text: "a nick with a backspace", ip: ip(2), expect: { nick: "ctlnick" } },
  ]);
  // A timestamp shared by three entries, the next microsecond taken too.
  const d10 = dayStartOf(10);
  days.set(10, [
    { nick: "first", sec: d10 + 500, usec: 42, text: "first at this time keeps its permalink", ip: ip(3) },
    { nick: "next", sec: d10 + 500, usec: 43, text: "already one microsecond later", ip: ip(3) },
    { nick: "second", sec: d10 + 500, usec: 42, text: "second at the same time", ip: ip(3), expect: { usec: 44 } },
    { nick: "third", sec: d10 + 500, usec: 42, text: "third at the same time", ip: ip(3), expect: { usec: 45 } },
  ]);
  days.set(9, []); // a quiet day: an empty .dat, .cnt 0
  const d8 = dayStartOf(8);
  days.set(8, [
    { nick: "日本語ニック", sec: d8 + 100, usec: 100, text: "日本語のテキスト、漢字とかな", ip: ip(4) },
    { nick: "emoji", sec: d8 + 101, usec: 101, text: "non-BMP: 𠮷野家 🍣 𝄞", ip: ip(4) },
    { nick: "zwsp", sec: d8 + 102, usec: 102, text: "zero\u200bwidth\u200bspaces", ip: ip(4) },
  ]);
  for (let k = 7; k >= 1; k--) days.set(k, plain(k, k === 1 ? 18 : 12));
  if (options.badDay) days.get(5)!.splice(2, 0, { nick: "stray", sec: dayStartOf(4) + 10, usec: 0, text: "of the next day", ip: ip(5) });

  const dayFiles: string[] = [];
  const unreadable: string[] = [];
  const collisions: string[] = [];
  let refused: GeneratedRoom["refused"] = null;
  const expectedDays = new Map<string, ExpectedEntry[]>();
  const archived: Line[] = [];
  for (const [k, lines] of [...days].sort((a, b) => b[0] - a[0])) {
    const day = dayOf(dayStartOf(k));
    const rel = `${day}.dat`;
    dayFiles.push(rel);
    await write(join(data, rel), lines.map((l) => `${datLine(l)}\n`).join(""));
    const entries = lines.filter((l) => l.nick !== "" || l.raw === undefined);
    await write(join(data, `${day}.cnt`), String(lines.length));
    lines.forEach((l, i) => {
      if (l.nick === "" && l.raw !== undefined) unreadable.push(`${rel}:${i + 1}`);
      if (l.expect?.sec !== undefined || l.expect?.usec !== undefined) collisions.push(`${rel}:${i + 1}`);
      if (l.nick === "stray") refused = { day, at: `${rel}:${i + 1}` };
    });
    if (options.badDay && k === 5) continue;
    if (entries.length > 0) expectedDays.set(day, entries.map(expected));
    archived.push(...entries);
  }
  // The re-split of 2009 left local-time files beside the UTC ones: not archives.
  await write(join(data, `${dayOf(d12)}.dat.orig`), `("orig" (${d12 - 3600} 0) "a local-time day, re-split" "${ip(9)}")\n`);

  // current.dat: the last 31 archived entries again, one only it has, and today's.
  const today = dayOf(todayStart);
  const d1 = dayStartOf(1);
  const onlyInCurrent: Line = { nick: "late-archiver", sec: d1 + DAY - 30, usec: 7, text: "only in current.dat, of yesterday", ip: ip(1) };
  const todays: Line[] = [
    { nick: "old-client", sec: todayStart + 1, usec: 1, text: "three elements, no address", ip: null, threeElements: true },
    { nick: "no-ip", sec: todayStart + 2, usec: 2, text: "the web server gave no address", ip: null },
    { nick: "today", sec: todayStart + 3, usec: 3, text: "an ordinary entry of today", ip: "198.51.100.7" },
  ];
  const repeated = archived.slice(-31);
  const currentLines = [...repeated, onlyInCurrent, ...todays].map(currentLine);
  currentLines.splice(currentLines.length - 1, 0, `("broken" (${todayStart + 2} 9) "unterminated`);
  unreadable.push(`current.dat:${currentLines.length - 1}`);
  await write(join(data, "current.dat"), currentLines.map((l) => `${l}\n`).join(""));
  expectedDays.get(dayOf(d1))!.push(expected(onlyInCurrent));
  expectedDays.set(today, todays.map(expected));

  // Today's and tomorrow's DD.dat are links to current.dat; and the rest that is not data.
  for (const sec of [todayStart, todayStart + DAY]) {
    await mkdir(join(data, dayOf(sec).slice(0, 7)), { recursive: true });
    await symlink("../../current.dat", join(data, `${dayOf(sec)}.dat`));
  }
  const total = [...expectedDays.values()].reduce((sum, list) => sum + list.length, 0);
  const sequence = total + 100;
  const lastPost = todays.at(-1)!.sec;
  await write(join(data, "sequence"), String(sequence));
  await write(join(data, "last-post"), String(lastPost));
  await write(join(data, "num-chatters"), "3");
  await write(join(data, "lock"), "");
  await write(join(data, "current.dat.tmp"), `("tmp" (${todayStart} 0) "a half-written file" "${ip(9)}")\n`);
  await write(join(dir, "auth"), "");
  await write(join(dir, "logs", "viewer.log"), "log lines\n");
  await write(join(dir, "htdocs", "var", "status.js"), '{"last-post":0}');
  await write(join(dir, "htdocs", "var", "index.rdf"), "<rss/>");
  await symlink("/proc/self/stat", join(dir, "viewer.pid"));
  await write(
    join(data, "blacklist.txt"),
    [
      "# blocked addresses",
      "127.0.0.66 the test posts from here and must be dropped",
      "192.168.001.010/24 leading zeros are decimal; host bits dropped",
      "  10.9.9.9 an indented line is not a rule",
      "",
      "#10.8.8.8 commented out",
      "300.1.2.3 an octet over 255",
      "1.2.3.4/33 a mask over 32",
      "203.0.113.0/24",
      "not a rule",
      "",
    ].join("\n"),
  );
  const htpasswd = join(dir, "htpasswd");
  await write(
    htpasswd,
    [
      ...HTPASSWD.map((u) => `${u.user}:${u.hash}`),
      "sha512user:$6$e3Ot9wYEFt19lSce$9Bx5gO2tAucMu9icu3tBoXx6US1g1PHcCExbcoko0kN7dILVdu5NAZ3tQj.l4Xn8iGwqlGUDzqyx3owzxkxwQ.",
      "",
    ].join("\n"),
  );

  const allEntries = [...expectedDays].sort(([a], [b]) => (a < b ? -1 : 1)).flatMap(([, list]) => list);
  const current = [...allEntries.filter((e) => dayOf(e.sec) < today).slice(-(30 - todays.length)), ...expectedDays.get(today)!];
  return {
    dir,
    htpasswd,
    users: HTPASSWD.map(({ user, password, format }) => ({ user, password, format })),
    unknownUsers: ["sha512user"],
    days: expectedDays,
    today,
    current,
    sequence,
    lastPost,
    blockedAddress: "127.0.0.66",
    rules: ["127.0.0.66", "192.168.1.0/24", "203.0.113.0/24"],
    unreadable,
    collisions,
    refused,
    dayFiles,
  };
}

/**
 * A plain room for the benchmark: `entries` entries over `days` days before
 * `todayStart`, with data/sequence, current.dat repeating the last 31, and quiet days.
 */
export async function writeLargeRoom(dir: string, todayStart: number, days: number, entries: number): Promise<void> {
  const data = join(dir, "data");
  const perDay = Math.floor(entries / days);
  let left = entries;
  const last: string[] = [];
  for (let k = days; k >= 1; k--) {
    const start = todayStart - k * DAY;
    const count = k === 1 ? left : perDay;
    left -= count;
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const sec = start + Math.floor((i * (DAY - 1)) / Math.max(count, 1));
      lines.push(
        `(${writeString(`nick${i % 37}`)} (${sec} ${(i * 7919) % 1_000_000}) ${writeString(`entry ${i} of day ${k}: ${"lorem ipsum ".repeat(1 + (i % 8))}日本語`)} "192.0.2.${i % 250}")`,
      );
    }
    const day = dayOf(start);
    await write(join(data, `${day}.dat`), lines.map((l) => `${l}\n`).join(""));
    await write(join(data, `${day}.cnt`), String(count));
    last.push(...lines.slice(-31));
    last.splice(0, Math.max(0, last.length - 31));
  }
  await write(join(data, "current.dat"), last.map((l) => `${l}\n`).join(""));
  await write(join(data, "sequence"), String(entries));
  await write(join(data, "last-post"), String(todayStart - 1));
}
