/** What an import run again finds new in an original, for a room with posts of its own. */
import { describe, expect, it } from "vitest";
import { newSinceImport } from "../../scripts/lib/nothing-new";
import { planImport, type DaySummary } from "../../scripts/original/import-plan";
import type { DayCount } from "../../src/protocol/transfer";

const DAYS: DaySummary[] = [
  { day: "2024/05/01", count: 3, refused: false },
  { day: "2024/05/02", count: 0, refused: false },
  { day: "2024/05/03", count: 2, refused: false },
  { day: "2024/05/04", count: 4, refused: false },
];
/** As an import run on 2024/05/04 leaves a room: the closed days archived, the fourth into the current log, sequence 20. */
const IMPORTED: DayCount[] = [
  { day: "2024/05/01", count: 3 },
  { day: "2024/05/03", count: 2 },
];

/** What the tool finds new, run on `today` with the original's `days` and `sequence`, against the room's import. */
function news(today: string, room: { importedSequence: number; importedDays: DayCount[] }, days = DAYS, sequence = 20): string[] {
  const plan = planImport(days, {
    now: Date.parse(`${today.replaceAll("/", "-")}T12:00:00Z`),
    sequence,
    archivesOnly: false,
    firstOwnDay: null,
    importedDays: new Map(room.importedDays.map((d) => [d.day, d.count])),
  });
  return newSinceImport(plan, room);
}

describe("what an original has that the room has not had from an import", () => {
  it("should find nothing when run again the same day", () => {
    expect(news("2024/05/04", { importedSequence: 20, importedDays: IMPORTED })).toEqual([]);
  });

  it("should find nothing in a day that was open at the import and is closed now", () => {
    expect(news("2024/05/06", { importedSequence: 20, importedDays: IMPORTED })).toEqual([]);
  });

  it("should find entries beyond the imported sequence, in an open day or a new one", () => {
    const grown = [...DAYS.slice(0, 3), { day: "2024/05/04", count: 5, refused: false }];
    expect(news("2024/05/04", { importedSequence: 20, importedDays: IMPORTED }, grown, 21)).toEqual(["entries 21 to 21"]);
    const more = [...DAYS, { day: "2024/05/05", count: 1, refused: false }];
    expect(news("2024/05/06", { importedSequence: 20, importedDays: IMPORTED }, more, 21)).toEqual(["entries 21 to 21"]);
  });

  it("should find a closed day the room has with another count, or lacks before its last imported day", () => {
    expect(news("2024/05/04", { importedSequence: 20, importedDays: [{ day: "2024/05/01", count: 2 }, IMPORTED[1]!] })).toEqual([
      "2024/05/01 (3 entries, 2 imported)",
    ]);
    expect(news("2024/05/04", { importedSequence: 20, importedDays: [IMPORTED[1]!] })).toEqual(["2024/05/01 (3 entries)"]);
  });

  it("should find everything in a room no import wrote", () => {
    expect(news("2024/05/04", { importedSequence: 0, importedDays: [] })).toEqual(["entries 1 to 20", "2024/05/01 (3 entries)", "2024/05/03 (2 entries)"]);
  });
});
