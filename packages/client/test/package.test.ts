/** What `npm pack` puts in the published package, and that the library stays free of Node where it must run elsewhere. */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  exports: Record<string, { types: string; default: string } | string>;
  dependencies?: Record<string, string>;
};

interface PackResult {
  files: { path: string }[];
}

let packed: string[] = [];

beforeAll(async () => {
  const tsc = join(PACKAGE_DIR, "..", "..", "node_modules", ".bin", "tsc");
  await run(tsc, ["-p", PACKAGE_DIR], { timeout: 60_000 });
  const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: PACKAGE_DIR, timeout: 60_000 });
  packed = (JSON.parse(stdout) as PackResult[])[0]!.files.map((f) => f.path);
}, 90_000);

describe("the published package", () => {
  it("should hold its README, the built library with its types, and the command", () => {
    expect(packed).toContain("README.md");
    expect(packed).toContain("package.json");
    expect(packed).toContain("dist/index.js");
    expect(packed).toContain("dist/index.d.ts");
    expect(packed).toContain(manifest.bin["chaton"]!.replace(/^\.\//, ""));
    for (const target of Object.values(manifest.exports)) {
      if (typeof target === "string") continue;
      expect(packed).toContain(target.types.replace(/^\.\//, ""));
      expect(packed).toContain(target.default.replace(/^\.\//, ""));
    }
  });

  it("should give every module of the library its types", () => {
    const modules = packed.filter((path) => path.startsWith("dist/") && path.endsWith(".js"));
    expect(modules.length).toBeGreaterThan(10);
    for (const module of modules) expect(packed).toContain(module.replace(/\.js$/, ".d.ts"));
  });

  it("should hold no tests and no sources of tests", () => {
    const tests = packed.filter((path) => /(^|\/)test\/|\.test\.|\.spec\./.test(path));
    expect(tests).toEqual([]);
  });

  it("should depend on nothing at run time", () => {
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  it("should start the command with a shebang", () => {
    expect(readFileSync(join(PACKAGE_DIR, manifest.bin["chaton"]!), "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });
});

describe("the library's sources", () => {
  /** Node-only code lives in cli/ and node/; the rest must run in browsers and Workers too. */
  const portable = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === "cli" || name === "node" ? [] : portable(path);
      return path.endsWith(".ts") ? [path] : [];
    });

  it("should use nothing of Node outside cli/ and node/", () => {
    const offenders = portable(join(PACKAGE_DIR, "src")).filter((path) =>
      /from "node:|\bprocess\.[a-z]|\bBuffer\.|\brequire\(/.test(readFileSync(path, "utf8")),
    );
    expect(offenders.map((path) => relative(PACKAGE_DIR, path))).toEqual([]);
  });
});
