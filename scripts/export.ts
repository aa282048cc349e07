/**
 * Writes a room of a Chaton for Workers site back as an original Chaton data
 * directory, in Gauche's syntax, through the room's admin export endpoint.
 * Run `npm run export -- --help` for usage.
 */
import { mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { dayOf, dayStart, DAY_SECONDS } from "../src/protocol/day";
import type { ExportDay, ExportStatus, TransferEntry } from "../src/protocol/transfer";
import { AdminApi, adminToken } from "./lib/admin-api";
import { fail, readCommandLine, SITE_OPTIONS } from "./lib/command-line";
import { formatSeconds, Progress } from "./lib/progress";
import { writeCurrentLine, writeDayLine, type OriginalEntry } from "./original/entry-line";

const USAGE = `usage: npm run export -- --url <site> --room <room> <OUTDIR>

Writes the room as an original Chaton data directory, OUTDIR/data:
YYYY/MM/DD.dat and .cnt for every closed day (quiet days empty, with 0),
current.dat, sequence, last-post and blacklist.txt (the IPv4 rules), with
today's and tomorrow's DD.dat linked to current.dat as the original does.

  --url URL     the site (default http://127.0.0.1:8787)
  --room NAME   the room to export (required)

The admin token comes from CHATON_ADMIN_TOKEN (or ADMIN_TOKEN in .dev.vars).`;

const { values: options, positionals } = readCommandLine(USAGE, () =>
  parseArgs({
    allowPositionals: true,
    options: SITE_OPTIONS,
  }),
);
if (positionals.length !== 1) fail(`Give one output directory.\n${USAGE}`, 2);
if (!options.room) fail(`--room is required.\n${USAGE}`, 2);
const token = adminToken();
if (token === undefined) fail("Set CHATON_ADMIN_TOKEN (the ADMIN_TOKEN secret of the site).", 2);
const started = Date.now();
const api = new AdminApi(options.url, options.room, token);
const out = join(positionals[0]!, "data");
try {
  if ((await readdir(out)).length > 0) fail(`${out} is not empty: export into a new directory.`);
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}

let status: ExportStatus;
try {
  status = await api.get<ExportStatus>("export");
} catch (error) {
  fail(`Cannot ask the room: ${(error as Error).message}`);
}

/** An entry as the original's files hold it: an empty address is one the original did not know. */
const original = ([, nick, sec, usec, text, ip]: TransferEntry): OriginalEntry => ({ nick, sec, usec, text, ip: ip === "" ? null : ip });
const lines = (entries: readonly string[]) => entries.map((line) => `${line}\n`).join("");
const dayPath = (day: string, ext: string) => join(out, `${day}.${ext}`);

const today = dayOf(Math.floor(status.now / 1000));
const withEntries = new Map(status.days.map((d) => [d.day, d.count]));
for (const [, , sec] of status.current) if (dayOf(sec) < today && !withEntries.has(dayOf(sec))) withEntries.set(dayOf(sec), 0);
const days = [...withEntries.keys()].filter((day) => day < today).sort();

// The original has a file for every day from its first to yesterday; days without entries are empty, counted 0.
const quiet: string[] = [];
if (days.length > 0) {
  for (let sec = dayStart(days[0]!); dayOf(sec) < today; sec += DAY_SECONDS) if (!withEntries.has(dayOf(sec))) quiet.push(dayOf(sec));
}

await mkdir(out, { recursive: true });
const progress = new Progress(
  "exporting",
  days.length,
  status.days.reduce((sum, d) => sum + d.count, 0),
);
let doneDays = 0;
let doneEntries = 0;
const queue = [...days];
const worker = async () => {
  for (let day = queue.shift(); day !== undefined; day = queue.shift()) {
    const { entries } = await api.get<ExportDay>(`export?day=${encodeURIComponent(day)}`);
    await mkdir(dirname(dayPath(day, "dat")), { recursive: true });
    await writeFile(dayPath(day, "dat"), lines(entries.map((e) => writeDayLine(original(e)))));
    await writeFile(dayPath(day, "cnt"), String(entries.length));
    doneDays++;
    doneEntries += entries.length;
    progress.update(doneDays, doneEntries);
  }
};
await Promise.all(Array.from({ length: 4 }, worker));
progress.done();
for (const day of quiet) {
  await mkdir(dirname(dayPath(day, "dat")), { recursive: true });
  await writeFile(dayPath(day, "dat"), "");
  await writeFile(dayPath(day, "cnt"), "0");
}

await writeFile(join(out, "current.dat"), lines(status.current.map((e) => writeCurrentLine(original(e)))));
await writeFile(join(out, "sequence"), String(status.sequence));
await writeFile(join(out, "last-post"), String(status.lastPost));
const rules = status.blocklist.split("\n").filter((line) => line !== "");
const ipv4 = rules.filter((line) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?(\s|$)/.test(line));
await writeFile(join(out, "blacklist.txt"), lines(ipv4));
for (const sec of [status.now / 1000, status.now / 1000 + DAY_SECONDS]) {
  const day = dayOf(Math.floor(sec));
  await mkdir(dirname(dayPath(day, "dat")), { recursive: true });
  await symlink("../../current.dat", dayPath(day, "dat"));
}

const n = (value: number) => value.toLocaleString("en");
console.log(
  `Exported ${options.room} to ${out}: ${n(doneEntries)} entries in ${n(days.length)} days (${n(quiet.length)} quiet), ${n(status.current.length)} in current.dat, sequence ${n(status.sequence)}, ${n(ipv4.length)} rules` +
    `${rules.length > ipv4.length ? ` (${rules.length - ipv4.length} IPv6 rules left out: the original knows only IPv4)` : ""}; ${formatSeconds((Date.now() - started) / 1000)}.`,
);
