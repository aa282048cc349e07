/** A stranger who clones the repository finds every document README and the other READMEs point to in it. */
import { access, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/lib/dev-server.mjs";

const DOCUMENTS = ["README.md", "bench/README.md", "packages/client/README.md", "docs/protocol.md"];

describe("the documents' links", () => {
  it("should lead only to files in the repository (or to other sites), and never outside it", async () => {
    const broken: string[] = [];
    for (const document of DOCUMENTS) {
      const text = await readFile(join(PROJECT_ROOT, document), "utf8");
      const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
      // Paths named in backticks that look like a document of this project or outside it.
      const named = [...text.matchAll(/`((?:\.\.\/|\.\/)?[\w./-]+\.md)`/g)].map((m) => m[1]!);
      for (const target of [...targets, ...named]) {
        if (/^[a-z]+:/i.test(target) || target.startsWith("#")) continue;
        const path = resolve(dirname(join(PROJECT_ROOT, document)), target.split("#")[0]!);
        if (!path.startsWith(PROJECT_ROOT)) {
          broken.push(`${document}: ${target} is outside the repository`);
          continue;
        }
        try {
          await access(path);
        } catch {
          broken.push(`${document}: ${target} does not exist`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
