/**
 * Moving an original Chaton room in and out, against a real wrangler dev:
 * `npm run import` of a data directory with every quirk of docs/protocol.md
 * section 9, the day pages read with an HTML parser under the original
 * permalinks, the current log and sequence, the blocklist, htpasswd users,
 * a second and an interrupted run, refusals, and `npm run export` giving the
 * same .dat lines back.
 */
import { execFile, spawn } from "node:child_process";
import { request as httpRequest } from "node:http";
import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "parse5";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dayOf, dayStart, DAY_SECONDS, startOfDay } from "../../src/protocol/day";
import type { ExportStatus, ImportStatus } from "../../src/protocol/transfer";
import { writeLargeRoom, writeQuirkyRoom, type GeneratedRoom } from "../support/original-room";
import { PROJECT_ROOT, startDev, type DevServer } from "../support/wrangler-dev";

const run = promisify(execFile);
const TOKEN = "import-test-admin-token";
const room = (name: string, extra: object = {}) => ({ name, title: name, description: "", icon: "/chaton.svg", ...extra });
const ROOMS = [room("lobby"), room("moved"), room("members", { private: true }), room("refusing"), room("baddays"), room("busy"), room("rerun")];
const TSX = join(PROJECT_ROOT, "node_modules", ".bin", "tsx");

let dev: DevServer;
let work: string;
let generated: GeneratedRoom;
let report: { notes: { file: string; line: number; kind: string }[] };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "chaton-import-"));
  dev = await startDev({ vars: { ADMIN_TOKEN: TOKEN, ROOMS: JSON.stringify(ROOMS), STATUS_CACHE_SECONDS: "0" } });
  generated = await writeQuirkyRoom(join(work, "original"), startOfDay(Math.floor(Date.now() / 1000)));
});

afterAll(async () => {
  await dev?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function tool(script: "import" | "export", args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [join(PROJECT_ROOT, "scripts", `${script}.ts`), "--url", dev.url, ...args], {
      env: { ...process.env, CHATON_ADMIN_TOKEN: TOKEN },
      cwd: work,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const basic = (user: string, password: string, scheme = "Basic") => `${scheme} ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${dev.url}${path}`, { headers });
const adminGet = async <T>(path: string): Promise<T> => (await (await get(path, { Authorization: `Bearer ${TOKEN}` })).json()) as T;
const seq = async (name: string) => Number(await (await get(`/${name}/var/seq`)).text());

/** A post from a loopback address of the test's choosing, as another person would send it. */
function postFrom(address: string, path: string, fields: Record<string, string>): Promise<number> {
  const url = new URL(`${dev.url}${path}`);
  const body = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        localAddress: address,
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface Node {
  nodeName: string;
  attrs?: { name: string; value: string }[];
  childNodes?: Node[];
  value?: string;
}

/** Every element of an HTML document, parsed with parse5, with its attributes and text. */
function elements(html: string): { tag: string; attrs: Record<string, string>; text: string }[] {
  const out: { tag: string; attrs: Record<string, string>; text: string }[] = [];
  const text = (node: Node): string => (node.nodeName === "#text" ? node.value! : (node.childNodes ?? []).map(text).join(""));
  const walk = (node: Node) => {
    if (node.attrs !== undefined) out.push({ tag: node.nodeName, attrs: Object.fromEntries(node.attrs.map((a) => [a.name, a.value])), text: text(node) });
    for (const child of node.childNodes ?? []) walk(child);
    if (node.nodeName === "template") walk((node as unknown as { content: Node }).content);
  };
  walk(parse(html) as unknown as Node);
  return out;
}

describe("npm run import of an original room", () => {
  it("should print its usage for --help", async () => {
    const help = await tool("import", ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run import -- --url <site> --room <room>/);
    expect((await tool("export", ["--help"])).stdout).toMatch(/^usage: npm run export/);
    const bad = await tool("import", ["--room", "moved", join(work, "nothing-here")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Cannot read the data directory: .*nothing-here/);
  });

  it("should import every day so that each original permalink opens its entry on its day page", async () => {
    const result = await tool("import", ["--room", "moved", "--report", join(work, "report.json"), generated.dir]);
    expect(result.stderr).not.toMatch(/refused/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Imported into moved: [\d,]+ entries added in 11 days/);
    expect(result.stdout).toMatch(/ 2 collisions moved/);
    expect(result.stdout).toMatch(/current\.dat:\d+: unterminated string/);
    report = JSON.parse(await readFile(join(work, "report.json"), "utf8"));

    for (const [day, entries] of generated.days) {
      const res = await get(`/moved/a/${day}`);
      expect(res.status).toBe(200);
      const page = elements(await res.text());
      const shown = page.filter((el) => el.attrs["class"] === "entry");
      expect(
        shown.map((el) => el.attrs["id"]),
        day,
      ).toEqual(entries.map((e) => e.anchor));
      const permalinks = page.filter((el) => el.attrs["class"] === "permalink").map((el) => el.attrs["href"]);
      expect(permalinks).toEqual(entries.map((e) => `/moved/a/${day}#${e.anchor}`));
      // Texts as the page shows them (the HTML parser turns CR into LF), and exactly in the day's JSON.
      const texts = page.filter((el) => el.attrs["class"] === "entry-text").map((el) => el.text);
      expect(texts).toEqual(entries.map((e) => e.text.replace(/\r\n?/g, "\n")));
      const json = (await (await get(`/moved/a/${day}.json`)).json()) as { entries: [string, [number, number], string][] };
      expect(json.entries).toEqual(entries.map((e) => [e.nick, [e.sec, e.usec], e.text]));
    }
    // The quiet day and the day after today have no page of entries.
    const quiet = dayOf(startOfDay(Math.floor(Date.now() / 1000)) - 9 * DAY_SECONDS);
    expect(((await (await get(`/moved/a/${quiet}.json`)).json()) as { entries: unknown[] }).entries).toEqual([]);
  });

  it("should leave the current log and the sequence as the original had them", async () => {
    expect(await seq("moved")).toBe(generated.sequence);
    const status = (await (await get("/moved/var/status.js")).json()) as Record<string, number>;
    expect(status["last-post"]).toBe(generated.lastPost);
    const { cid } = (await (await get("/moved/comet?p=0&s=0")).json()) as { cid: number };
    const comet = (await (await get(`/moved/comet?p=0&s=0&c=${cid}`)).json()) as { pos: number; content: [string, [number, number], string][] };
    expect(comet.pos).toBe(generated.sequence);
    expect(comet.content).toEqual(generated.current.map((e) => [e.nick, [e.sec, e.usec], e.text]));
    const rules = await adminGet<{ blocklist: string }>("/moved/admin/blocklist");
    expect(
      rules.blocklist
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(" ")[0]),
    ).toEqual(generated.rules);
  });

  it("should add nothing when run again, and say so", async () => {
    const before = await adminGet<ImportStatus>("/moved/admin/import");
    const again = await tool("import", ["--room", "moved", generated.dir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Nothing to add: moved already has all of it/);
    expect(await adminGet<ImportStatus>("/moved/admin/import")).toEqual({ ...before, now: expect.any(Number) });
  });

  it("should drop a post from an address of the original's blacklist", async () => {
    const before = await seq("moved");
    expect(await postFrom(generated.blockedAddress, "/moved/post", { nick: "spammer", text: "buy now" })).toBe(200);
    expect(await seq("moved")).toBe(before);
    expect(await postFrom("127.0.0.2", "/moved/post", { nick: "newcomer", text: "hello after the move" })).toBe(200);
    expect(await seq("moved")).toBe(before + 1);
  });

  it("should give back the same .dat lines on export, apart from what the import reported", async () => {
    const out = join(work, "exported");
    const result = await tool("export", ["--room", "moved", out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Exported moved to .*: [\d,]+ entries in 11 days \(1 quiet\)/);
    const reported = new Set(report.notes.map((n) => `${n.file}:${n.line}`));
    const merged = report.notes.filter((n) => n.kind === "merged").length;
    let compared = 0;
    for (const rel of generated.dayFiles) {
      const original = (await readFile(join(generated.dir, "data", rel), "utf8")).split("\n").slice(0, -1);
      const exported = (await readFile(join(out, "data", rel), "utf8")).split("\n").slice(0, -1);
      const readable = original
        .map((line, i) => ({ line, at: `${rel}:${i + 1}` }))
        .filter(({ at }) => !report.notes.some((n) => n.kind === "skipped" && `${n.file}:${n.line}` === at));
      readable.forEach(({ line, at }, i) => {
        if (reported.has(at)) return;
        expect(exported[i], at).toBe(line);
        compared++;
      });
      expect(exported.length - readable.length).toBe(rel === generated.dayFiles.at(-1) ? merged : 0);
      expect(await readFile(join(out, "data", rel.replace(/dat$/, "cnt")), "utf8")).toBe(String(exported.length));
    }
    expect(compared).toBeGreaterThan(90);
    expect(await readFile(join(out, "data", "sequence"), "utf8")).toBe(String(generated.sequence + 1));
    expect(await readFile(join(out, "data", "blacklist.txt"), "utf8")).toMatch(/^127\.0\.0\.66 # the test posts from here/);
    const current = (await readFile(join(out, "data", "current.dat"), "utf8")).split("\n");
    expect(current).toContain(`("no-ip" (${generated.current.at(-2)!.sec} 2) "the web server gave no address" #f)`);
    expect((await readdir(join(out, "data", generated.today.slice(0, 7)))).filter((f) => f.endsWith(".dat.orig"))).toEqual([]);
  });

  it("should bring the users of a private room, who sign in with their original passwords and then with the upgraded record", async () => {
    const result = await tool("import", ["--room", "members", "--htpasswd", generated.htpasswd, generated.dir]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/htpasswd:6: user sha512user: unknown password format/);
    expect(result.stdout).toMatch(/5 users \(1 skipped\)/);
    const day = generated.today;
    expect((await get(`/members/a/${day}`)).status).toBe(401);
    for (const { user, password } of generated.users) {
      const res = await get(`/members/a/${day}.json`, { Authorization: basic(user, password), "X-Test": user });
      expect(res.status, user).toBe(200);
    }
    const audit = await adminGet<{ audit: { actor: string; action: string }[] }>("/members/admin/audit");
    expect(
      audit.audit
        .filter((a) => a.action === "upgrade-password")
        .map((a) => a.actor)
        .sort(),
    ).toEqual(generated.users.map((u) => u.user).sort());
    // The header written another way is not in the Worker's memo of confirmed passwords: the room checks the new record.
    const apr = generated.users[0]!;
    expect((await get(`/members/var/seq`, { Authorization: basic(apr.user, apr.password, "basic") })).status).toBe(200);
    expect((await get(`/members/var/seq`, { Authorization: basic(apr.user, "not the password", "basic") })).status).toBe(401);
    // A run again does not put the old records back.
    const again = await tool("import", ["--room", "members", "--htpasswd", generated.htpasswd, generated.dir]);
    expect(again.stdout).toMatch(/^Nothing to add/);
    expect((await get(`/members/var/seq`, { Authorization: basic(apr.user, apr.password, "basic  ") })).status).toBe(200);
  });

  it("should refuse a room with posts of its own, and with --archives-only add only the days before its first post", async () => {
    expect(await postFrom("127.0.0.3", "/refusing/post", { nick: "own", text: "the room's own first post" })).toBe(200);
    const refused = await tool("import", ["--room", "refusing", generated.dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing has 1 post of its own: nothing imported\. Use --archives-only/);
    const archivesOnly = await tool("import", ["--room", "refusing", "--archives-only", generated.dir]);
    expect(archivesOnly.code).toBe(0);
    expect(archivesOnly.stderr).toMatch(/1 days left out, from .*: (on or after the room's first post|not over yet)/);
    expect(await seq("refusing")).toBe(1);
    const closed = [...generated.days.keys()].filter((day) => day < generated.today);
    for (const day of closed) {
      const json = (await (await get(`/refusing/a/${day}.json`)).json()) as { entries: unknown[] };
      expect(json.entries.length, day).toBe(generated.days.get(day)!.length);
    }
    const today = (await (await get(`/refusing/a/${generated.today}.json`)).json()) as { entries: [string][] };
    expect(today.entries.map((e) => e[0])).toEqual(["own"]);
  });

  it("should find nothing to add when run again after the room's own posts, and refuse what the original has new", async () => {
    expect((await tool("import", ["--room", "rerun", generated.dir])).code).toBe(0);
    expect(await postFrom("127.0.0.4", "/rerun/post", { nick: "own", text: "posted after the move" })).toBe(200);
    /** Everything the room holds: its status, its current log and archived days, and each day's entries. */
    const held = async () => {
      const { now: _now, ...status } = await adminGet<ImportStatus>("/rerun/admin/import");
      const { now: _exportNow, ...log } = await adminGet<ExportStatus>("/rerun/admin/export");
      const days: Record<string, unknown> = {};
      for (const day of generated.days.keys()) days[day] = await adminGet(`/rerun/admin/export?day=${encodeURIComponent(day)}`);
      return { status, log, days };
    };
    const before = await held();
    expect(before.status.ownPosts).toBe(1);
    expect(before.log.current.at(-1)?.[1]).toBe("own");

    const again = await tool("import", ["--room", "rerun", generated.dir]);
    expect(again.stderr).not.toMatch(/of its own/);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^Nothing to add: rerun already has all of it; sequence ${generated.sequence + 1};`));
    expect(await held()).toEqual(before);

    // The users are not refused: what they add is said.
    const users = await tool("import", ["--room", "rerun", "--htpasswd", generated.htpasswd, generated.dir]);
    expect(users.code).toBe(0);
    expect(users.stdout).toMatch(
      new RegExp(
        `^Imported into rerun: 0 entries added in 0 days \\(\\d+ days already there\\), 0 into the current log, rules 0 new, users ${generated.users.length} new;`,
      ),
    );
    expect(await held()).toEqual(before);

    // An entry posted in the original since: refused as before.
    const grown = await writeQuirkyRoom(join(work, "grown"), dayStart(generated.today));
    await appendFile(join(grown.dir, "data", "current.dat"), `("later" (${dayStart(generated.today) + 4} 4) "posted in the original since" "198.51.100.8")\n`);
    await writeFile(join(grown.dir, "data", "sequence"), String(grown.sequence + 1));
    const refused = await tool("import", ["--room", "rerun", grown.dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/rerun has 1 post of its own: nothing imported\. Use --archives-only/);
    expect(refused.stderr).toContain(`New in the original: entries ${generated.sequence + 1} to ${generated.sequence + 1}.`);
    expect(await held()).toEqual(before);
  });

  it("should refuse a day whose file holds an entry of another day, naming the file and line, and write nothing of it", async () => {
    const bad = await writeQuirkyRoom(join(work, "bad"), startOfDay(Math.floor(Date.now() / 1000)), { badDay: true });
    const result = await tool("import", ["--room", "baddays", bad.dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${bad.refused!.at}: its time`);
    expect(result.stdout).toContain(`1 days refused (${bad.refused!.at})`);
    expect(((await (await get(`/baddays/a/${bad.refused!.day}.json`)).json()) as { entries: unknown[] }).entries).toEqual([]);
    for (const [day, entries] of bad.days) {
      expect(((await (await get(`/baddays/a/${day}.json`)).json()) as { entries: unknown[] }).entries.length).toBe(entries.length);
    }
  });

  it("should continue an interrupted run where it stopped", async () => {
    const dir = join(work, "large");
    const days = 40;
    await writeLargeRoom(dir, startOfDay(Math.floor(Date.now() / 1000)), days, 4000);
    const child = spawn(TSX, [join(PROJECT_ROOT, "scripts", "import.ts"), "--url", dev.url, "--room", "busy", "--batch-entries", "100", dir], {
      env: { ...process.env, CHATON_ADMIN_TOKEN: TOKEN },
      stdio: "ignore",
      // tsx runs the tool in a child process: the whole group is killed, as a terminal's ^C or a crash would.
      detached: true,
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let imported = 0;
    for (let i = 0; i < 600 && imported < 3; i++) {
      await new Promise((r) => setTimeout(r, 25));
      imported = (await adminGet<ImportStatus>("/busy/admin/import")).importedDays.length;
    }
    process.kill(-child.pid!, "SIGKILL");
    await exited;
    // A batch already sent is finished by the room all the same.
    await new Promise((r) => setTimeout(r, 1_000));
    const partial = (await adminGet<ImportStatus>("/busy/admin/import")).importedDays.length;
    expect(partial).toBeGreaterThanOrEqual(3);
    expect(partial).toBeLessThan(days);
    const rest = await tool("import", ["--room", "busy", dir]);
    expect(rest.code).toBe(0);
    expect(rest.stdout).toMatch(new RegExp(`^Imported into busy: [\\d,]+ entries added in ${days - partial} days \\(${partial} days already there\\)`));
    const status = await adminGet<ImportStatus>("/busy/admin/import");
    expect(status.importedDays).toHaveLength(days);
    expect(status.importedDays.reduce((sum, d) => sum + d.count, 0)).toBe(4000);
    expect(status.sequence).toBe(4000);
  });
});
