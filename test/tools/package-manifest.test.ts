/**
 * package.json says what runs where: the packages the Worker and its objects
 * bundle at run time (imported by src/, but the browser script's) are its
 * `dependencies`; tools, tests and the build are `devDependencies`.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/lib/dev-server.mjs";

async function sourcesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sourcesUnder(path);
      return Promise.resolve(entry.name.endsWith(".ts") ? [path] : []);
    }),
  );
  return files.flat();
}

/** The package a bare import names: "@scope/name/sub" -> "@scope/name", "name/sub" -> "name". */
const packageOf = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

describe("package.json", () => {
  it("should list as dependencies exactly the packages the Worker bundles, and everything else as devDependencies", async () => {
    const manifest = JSON.parse(await readFile(join(PROJECT_ROOT, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const imported = new Map<string, string>();
    for (const file of await sourcesUnder(join(PROJECT_ROOT, "src"))) {
      const where = relative(PROJECT_ROOT, file);
      if (where.startsWith(join("src", "client"))) continue;
      const source = await readFile(file, "utf8");
      for (const match of source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)) {
        const specifier = match[1]!;
        if (specifier.startsWith(".") || /^(cloudflare|node):/.test(specifier)) continue;
        imported.set(packageOf(specifier), where);
      }
    }
    expect([...imported.keys()].sort()).toEqual(Object.keys(manifest.dependencies ?? {}).sort());
    for (const name of imported.keys()) expect(manifest.devDependencies?.[name], `${name} is also a devDependency`).toBeUndefined();
    // The build, the tests and the tools are never bundled.
    for (const tool of ["wrangler", "vitest", "esbuild", "typescript", "smol-toml"]) expect(manifest.devDependencies?.[tool], tool).toBeDefined();
  });
});
