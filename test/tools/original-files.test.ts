/** The small readers of an original room's files, and the import plan. */
import { describe, expect, it } from "vitest";
import { dayStart } from "../../src/protocol/day";
import { blocklistText, readBlacklist } from "../../scripts/original/blacklist";
import { readEntryLine, writeCurrentLine, writeDayLine } from "../../scripts/original/entry-line";
import { readHtpasswd } from "../../scripts/original/htpasswd-file";
import { batchDays, planImport, type DaySummary } from "../../scripts/original/import-plan";

describe("an entry line", () => {
  it("should read four, three and #f entries", () => {
    expect(readEntryLine('("a" (1243296000 5) "hi" "1.2.3.4")')).toEqual({ entry: { nick: "a", sec: 1243296000, usec: 5, text: "hi", ip: "1.2.3.4" } });
    expect(readEntryLine('("a" (1 2) "three")')).toEqual({ entry: { nick: "a", sec: 1, usec: 2, text: "three", ip: null } });
    expect(readEntryLine('("a" (1 2) "no ip" #f)')).toEqual({ entry: { nick: "a", sec: 1, usec: 2, text: "no ip", ip: null } });
  });

  it("should read every escape of Gauche's strings, old and new", () => {
    const line = String.raw`("n" (1 2) "\\ \" \n \t \r \f \0 \x7f; \x200b; \x200B; \x41 \x1f600; 日本" "ip")`;
    expect(readEntryLine(line)).toMatchObject({ entry: { text: '\\ " \n \t \r \f \0 \u007f \u200b \u200b A 😀 日本' } });
  });

  it("should give a reason for lines that are not entries", () => {
    for (const [line, reason] of [
      ['("a" (1 2) "open', "unterminated string"],
      ["(a b c)", "the nick is not a string"],
      ['("a" (1) "t" "ip")', "the time is not (sec usec)"],
      ['("a" (1 1000000) "t" "ip")', "usec over 999999"],
      ['("a" (1 2) "t" "ip" extra)', "a list of 5 elements"],
      ['"just a string"', "not a list"],
      ['("a" (1 2) "t" 5)', "the address is not a string or #f"],
    ]) {
      expect(readEntryLine(line!)).toEqual({ reason });
    }
  });

  it("should write lines as Gauche's write does: .dat with 0.0.0.0, current.dat with #f", () => {
    const entry = { nick: "n\u200b", sec: 1, usec: 2, text: 'say "hi"\n\u0001\u007f', ip: null };
    expect(writeDayLine(entry)).toBe(String.raw`("n\x200b;" (1 2) "say \"hi\"\n\x01;\x7f;" "0.0.0.0")`);
    expect(writeCurrentLine(entry)).toBe(String.raw`("n\x200b;" (1 2) "say \"hi\"\n\x01;\x7f;" #f)`);
    const read = readEntryLine(writeDayLine({ ...entry, ip: "1.2.3.4" }));
    expect(read).toEqual({ entry: { ...entry, ip: "1.2.3.4" } });
  });
});

describe("blacklist.txt", () => {
  it("should read rules as the original did: anchored, trailing text ignored, leading zeros decimal", () => {
    const { rules, skipped } = readBlacklist("# c\n010.001.002.003 old spammer\r\n  9.9.9.9\n\n1.2.3.0/24#x\n300.1.1.1\n1.1.1.1/40\nfoo\n1.2.3.4abc\n");
    expect(rules).toEqual([
      { line: 2, rule: "10.1.2.3", comment: "old spammer" },
      { line: 5, rule: "1.2.3.0/24", comment: "x" },
      { line: 9, rule: "1.2.3.4", comment: "abc" },
    ]);
    expect(skipped.map((s) => [s.line, s.reason])).toEqual([
      [6, "an octet over 255"],
      [7, "mask /40 over 32"],
      [8, "no a.b.c.d or a.b.c.d/n at the start"],
    ]);
    expect(blocklistText(rules)).toBe("10.1.2.3 # old spammer\n1.2.3.0/24 # x\n1.2.3.4 # abc\n");
  });
});

describe("an htpasswd file", () => {
  it("should keep the formats the room verifies and report the others", () => {
    const { users, skipped } = readHtpasswd(
      "a:$apr1$2lG5sWKX$CzYx2Nrf4Jy7S.8e8ReqF1\n# comment\nb:{SHA}sSgq+8ocT8XjRYLUEw6RNbVInQs=\r\nc:$6$salt$hash\nd e:P/1Yql0QvpJJo\nnocolon\n",
    );
    expect(users.map((u) => [u.line, u.user, u.format])).toEqual([
      [1, "a", "apr1"],
      [3, "b", "sha1"],
    ]);
    expect(skipped.map((s) => [s.line, s.user, s.reason])).toEqual([
      [4, "c", "unknown password format"],
      [5, "d e", "a user name is 1 to 64 characters, no spaces"],
      [6, "", "no user:hash"],
    ]);
  });
});

describe("the import plan", () => {
  const now = (dayStart("2026/01/10") + 3600) * 1000;
  const days: DaySummary[] = [
    { day: "2026/01/01", count: 3, refused: false },
    { day: "2026/01/02", count: 0, refused: false },
    { day: "2026/01/03", count: 2, refused: true },
    { day: "2026/01/09", count: 4, refused: false },
    { day: "2026/01/10", count: 1, refused: false },
  ];

  it("should number entries in order so that the newest is at the original's sequence", () => {
    const plan = planImport(days, { now, sequence: 100, archivesOnly: false, firstOwnDay: null, importedDays: new Map() });
    expect(plan.sequence).toBe(100);
    expect([...plan.firstSeq]).toEqual([
      ["2026/01/01", 91],
      ["2026/01/02", 94],
      ["2026/01/03", 94],
      ["2026/01/09", 96],
      ["2026/01/10", 100],
    ]);
    expect(plan.toSend.map((d) => d.day)).toEqual(["2026/01/01", "2026/01/09"]);
    expect(plan.openDays.map((d) => d.day)).toEqual(["2026/01/10"]);
    expect(plan.quiet).toEqual(["2026/01/02"]);
  });

  it("should never go below the number of entries when the original counted fewer", () => {
    const plan = planImport(days, { now, sequence: 3, archivesOnly: false, firstOwnDay: null, importedDays: new Map() });
    expect(plan.sequence).toBe(10);
    expect(plan.firstSeq.get("2026/01/01")).toBe(1);
    expect(planImport(days, { now, sequence: null, archivesOnly: false, firstOwnDay: null, importedDays: new Map() }).sequence).toBe(10);
  });

  it("should skip the days the room has whole, to continue an interrupted run", () => {
    const plan = planImport(days, {
      now,
      sequence: 100,
      archivesOnly: false,
      firstOwnDay: null,
      importedDays: new Map([
        ["2026/01/01", 3],
        ["2026/01/09", 2],
      ]),
    });
    expect(plan.alreadyThere.map((d) => d.day)).toEqual(["2026/01/01"]);
    expect(plan.toSend.map((d) => d.day)).toEqual(["2026/01/09"]);
  });

  it("should with --archives-only keep only closed days before the room's first post, without positions", () => {
    const plan = planImport(days, { now, sequence: 100, archivesOnly: true, firstOwnDay: "2026/01/05", importedDays: new Map() });
    expect(plan.toSend.map((d) => d.day)).toEqual(["2026/01/01"]);
    expect(plan.leftOut.map((d) => d.day)).toEqual(["2026/01/09", "2026/01/10"]);
    expect(plan.firstSeq.get("2026/01/01")).toBe(0);
  });

  it("should batch whole days", () => {
    expect(batchDays([{ count: 3 }, { count: 3 }, { count: 10 }, { count: 1 }], 6).map((b) => b.map((d) => d.count))).toEqual([[3, 3], [10], [1]]);
  });
});
