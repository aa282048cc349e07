/** Reading an original room's data directory: every quirk of docs/protocol.md section 9. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dayOf, DAY_SECONDS, startOfDay } from "../../src/protocol/day";
import { NotADataDirectory } from "../../scripts/original/data-dir";
import { OriginalRoom } from "../../scripts/original/original-room";
import { writeQuirkyRoom } from "../support/original-room";

const TODAY = startOfDay(Math.floor(Date.now() / 1000));
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "chaton-original-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("an original room's data directory", () => {
  it("should read every day as the generator says a room must hold it", async () => {
    const generated = await writeQuirkyRoom(await tempDir(), TODAY);
    const room = await OriginalRoom.open(generated.dir);
    const read = new Map<string, { nick: string; sec: number; usec: number; text: string }[]>();
    for (const day of room.days()) {
      const loaded = await room.loadDay(day);
      if (loaded.entries.length > 0)
        read.set(
          day,
          loaded.entries.map(({ nick, sec, usec, text }) => ({ nick, sec, usec, text })),
        );
    }
    const want = new Map([...generated.days].map(([day, list]) => [day, list.map(({ nick, sec, usec, text }) => ({ nick, sec, usec, text }))]));
    expect(read).toEqual(want);
    expect(room.sequence).toBe(generated.sequence);
    expect(room.lastPost).toBe(generated.lastPost);
  });

  it("should skip links, .dat.orig, .tmp and the rest that is not data", async () => {
    const generated = await writeQuirkyRoom(await tempDir(), TODAY);
    const room = await OriginalRoom.open(join(generated.dir, "data"));
    expect(room.listing.symlinks).toEqual([`${dayOf(TODAY)}.dat`, `${dayOf(TODAY + DAY_SECONDS)}.dat`].sort());
    expect(room.listing.notData).toEqual(expect.arrayContaining([`${dayOf(TODAY - 12 * DAY_SECONDS)}.dat.orig`, "current.dat.tmp", "lock", "num-chatters"]));
    expect([...room.listing.dayFiles.values()]).toEqual(generated.dayFiles);
    expect(room.days()).not.toContain(dayOf(TODAY + DAY_SECONDS));
  });

  it("should report unreadable lines, collisions, cleaned entries, merged entries and lines written back differently, each with file and line", async () => {
    const generated = await writeQuirkyRoom(await tempDir(), TODAY);
    const room = await OriginalRoom.open(generated.dir);
    const notes = [...room.currentNotes];
    for (const day of room.days()) notes.push(...(await room.loadDay(day)).notes);
    const at = (kind: string) => notes.filter((n) => n.kind === kind).map((n) => `${n.file}:${n.line}`);
    expect(at("skipped").sort()).toEqual([...generated.unreadable].sort());
    expect(at("collision")).toEqual(generated.collisions);
    const d11 = `${dayOf(TODAY - 11 * DAY_SECONDS)}.dat`;
    const d12 = `${dayOf(TODAY - 12 * DAY_SECONDS)}.dat`;
    expect(at("cleaned")).toEqual([`${d12}:2`, `${d12}:3`, `${d11}:6`, `${d11}:8`]);
    expect(at("rewritten")).toEqual([`${d11}:1`, `${d11}:2`]);
    expect(at("merged")).toHaveLength(1);
    expect(notes.filter((n) => n.kind === "skipped").map((n) => n.reason)).toContain("unterminated string");
    expect(at("refused")).toEqual([]);
    expect(at("count")).toEqual([]);
  });

  it("should refuse a day whose file holds an entry of another day, naming the file and line", async () => {
    const generated = await writeQuirkyRoom(await tempDir(), TODAY, { badDay: true });
    const room = await OriginalRoom.open(generated.dir);
    const loaded = await room.loadDay(generated.refused!.day);
    expect(loaded.refused).toMatchObject({ kind: "refused", reason: expect.stringMatching(/not .*nothing of .* is imported/) });
    expect(`${loaded.refused!.file}:${loaded.refused!.line}`).toBe(generated.refused!.at);
  });

  it("should refuse what is not a data directory", async () => {
    await expect(OriginalRoom.open(await tempDir())).rejects.toThrow(NotADataDirectory);
    await expect(OriginalRoom.open("/nonexistent/chaton")).rejects.toThrow(/not a directory/);
  });
});
