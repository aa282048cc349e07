import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fileStore } from "../src/node/file-store.js";

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), "chaton-cursor-"));
  dirs.push(dir);
  return join(dir, "cursor.json");
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe("the cursor file", () => {
  it("should hold no cursor until one is saved, then the last one saved", () => {
    const path = fresh();
    const store = fileStore(path);
    expect(store.load()).toBeNull();
    store.save({ pos: 4 });
    store.save({ pos: 9, after: [1700000000, 5] });
    expect(fileStore(path).load()).toEqual({ pos: 9, after: [1700000000, 5] });
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ pos: 9, after: [1700000000, 5] });
  });

  it("should refuse a file that does not hold a cursor rather than start over", () => {
    const path = fresh();
    writeFileSync(path, "yesterday\n");
    expect(() => fileStore(path).load()).toThrow(/does not hold a cursor/);
  });
});
