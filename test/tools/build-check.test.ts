/**
 * The build step that `wrangler dev` and `wrangler deploy` run (scripts/build.mjs)
 * checks every room and var of wrangler.toml as the Worker reads them, and
 * stops with the room's name, the setting and the reason (issue 25). Run on a
 * copy of the project whose wrangler.toml the test writes.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/lib/dev-server.mjs";

const run = promisify(execFile);
let tree: string;
let wranglerToml: string;

beforeAll(async () => {
  tree = await mkdtemp(join(tmpdir(), "chaton-build-check-"));
  for (const part of ["src", "static", "migrations", "scripts", join("packages", "client", "src")]) {
    await cp(join(PROJECT_ROOT, part), join(tree, part), { recursive: true, filter: (from) => !from.includes(`${join("src", "generated")}`) });
  }
  await symlink(join(PROJECT_ROOT, "node_modules"), join(tree, "node_modules"), "dir");
  await cp(join(PROJECT_ROOT, "tsconfig.json"), join(tree, "tsconfig.json"));
  wranglerToml = await readFile(join(PROJECT_ROOT, "wrangler.toml"), "utf8");
}, 30_000);

afterAll(async () => {
  if (tree !== undefined) await rm(tree, { recursive: true, force: true });
});

/** Runs the build with wrangler.toml's text as given: its exit code and what it printed. */
async function buildWith(toml: string): Promise<{ code: number; stdout: string; stderr: string }> {
  await writeFile(join(tree, "wrangler.toml"), toml);
  try {
    const { stdout, stderr } = await run(process.execPath, [join(tree, "scripts", "build.mjs")], { cwd: tree, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const ROOM = (lines: string) => `\n[[vars.ROOMS]]\n${lines}\n`;

describe("the build's check of wrangler.toml", () => {
  it("should pass the project's own wrangler.toml", async () => {
    const built = await buildWith(wranglerToml);
    expect(built.stderr).toBe("");
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(/^build [0-9a-f]{12}$/m);
  }, 40_000);

  it("should stop on a room's bad setting, saying which room, which setting and why", async () => {
    const toml = wranglerToml.replace("\n[assets]", `${ROOM('name = "garden"\ntitle = "Garden"\nicon = "javascript:alert(1)"')}\n[assets]`);
    const built = await buildWith(toml);
    expect(built.code).toBe(1);
    expect(built.stderr).toContain("wrangler.toml: a setting cannot be used:");
    expect(built.stderr).toContain("room garden: icon must be an http(s) URL or a path starting with /");
  }, 40_000);

  it("should stop `wrangler deploy` before anything is uploaded", async () => {
    await writeFile(
      join(tree, "wrangler.toml"),
      wranglerToml.replace("\n[assets]", `${ROOM('name = "garden"\nicon = "data:image/png;base64,AAAA"')}\n[assets]`),
    );
    const bin = join(PROJECT_ROOT, "node_modules", ".bin");
    const deploy = await run(join(bin, "wrangler"), ["deploy", "--dry-run", "--outdir", join(tree, ".wrangler", "dist")], {
      cwd: tree,
      timeout: 60_000,
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false", CI: "true" },
    }).then(
      () => ({ code: 0, output: "" }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr }),
    );
    expect(deploy.code).not.toBe(0);
    expect(deploy.output).toContain("room garden: icon must be an http(s) URL or a path starting with /");
  }, 60_000);

  it("should list every bad setting at once, rooms and site vars alike", async () => {
    const rooms = ROOM('name = "garden"\nhold_seconds = 0') + ROOM('name = "lobby"\ntitle = "Again"') + ROOM('name = "bad name!"');
    const toml = wranglerToml.replace("\n[assets]", `${rooms}\n[assets]`);
    const built = await buildWith(toml);
    expect(built.code).toBe(1);
    expect(built.stderr).toContain("3 settings cannot be used");
    expect(built.stderr).toContain("room garden: hold_seconds must be a number in (0, 120]");
    expect(built.stderr).toContain("room lobby is declared twice");
    expect(built.stderr).toContain('room name "bad name!" must match');
    const badVar = await buildWith(wranglerToml.replace('COMET_HOLD_SECONDS = "25"', 'COMET_HOLD_SECONDS = "600"'));
    expect(badVar.code).toBe(1);
    expect(badVar.stderr).toContain("COMET_HOLD_SECONDS must be in (0, 120]");
  }, 40_000);
});
