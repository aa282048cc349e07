/**
 * Imports an original Chaton room's data directory into a room of a Chaton
 * for Workers site, through the room's admin import endpoint.
 * Run `npm run import -- --help` for usage.
 */
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { DayImportResult, ImportReply, ImportStatus, TransferEntry } from "../src/protocol/transfer";
import { AdminApi, AdminApiError, adminToken } from "./lib/admin-api";
import { fail, readCommandLine, SITE_OPTIONS } from "./lib/command-line";
import { newSinceImport } from "./lib/nothing-new";
import { formatSeconds, Progress } from "./lib/progress";
import { blocklistText, readBlacklist } from "./original/blacklist";
import { NotADataDirectory } from "./original/data-dir";
import { readHtpasswd } from "./original/htpasswd-file";
import { batchDays, CURRENT_LOG_KEEPS, planImport, type DaySummary } from "./original/import-plan";
import { OriginalRoom, type DayEntry, type Note, type NoteKind } from "./original/original-room";

const USAGE = `usage: npm run import -- --url <site> --room <room> [--htpasswd FILE] [--dry-run] [--archives-only] [--report FILE] <DATADIR>

Brings an original Chaton room's data directory (its $DATADIR, or the data/
directory in it) into a room: every archived day with its permalinks, the
current log, the post sequence, the blocklist (data/blacklist.txt) and, with
--htpasswd, the users of a private room. Run again, it adds only what is missing.

  --url URL          the site (default http://127.0.0.1:8787)
  --room NAME        the room to import into (required)
  --htpasswd FILE    the original room's htpasswd file: its users and their passwords
  --dry-run          read and report; send nothing
  --archives-only    into a room that has posts of its own: only the days before its first post
  --report FILE      write everything noticed (skipped lines, collisions, ...) as JSON
  --batch-entries N  entries per request (default 5000)

The admin token comes from CHATON_ADMIN_TOKEN (or ADMIN_TOKEN in .dev.vars).`;

const { values: options, positionals } = readCommandLine(USAGE, () =>
  parseArgs({
    allowPositionals: true,
    options: {
      ...SITE_OPTIONS,
      htpasswd: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      "archives-only": { type: "boolean", default: false },
      report: { type: "string" },
      "batch-entries": { type: "string", default: "5000" },
    },
  }),
);
if (positionals.length !== 1) fail(`Give one data directory.\n${USAGE}`, 2);
if (!options.room) fail(`--room is required.\n${USAGE}`, 2);
const batchEntries = Number(options["batch-entries"]);
if (!Number.isSafeInteger(batchEntries) || batchEntries < 1) fail("--batch-entries must be a positive whole number", 2);
const dryRun = options["dry-run"];
const archivesOnly = options["archives-only"];
const roomName = options.room;
const started = Date.now();

const token = dryRun ? "" : adminToken();
if (token === undefined) fail("Set CHATON_ADMIN_TOKEN (the ADMIN_TOKEN secret of the site).", 2);
const api = new AdminApi(options.url, roomName, token);

let original: OriginalRoom;
try {
  original = await OriginalRoom.open(positionals[0]!);
} catch (error) {
  if (error instanceof NotADataDirectory || (error as NodeJS.ErrnoException).code !== undefined)
    fail(`Cannot read the data directory: ${(error as Error).message}`);
  throw error;
}

// Read every day once: counts, and everything worth reporting.
const notes: Note[] = [...original.currentNotes];
const days: DaySummary[] = [];
const allDays = original.days();
const reading = new Progress("reading", allDays.length, 0);
for (const [i, day] of allDays.entries()) {
  const loaded = await original.loadDay(day);
  notes.push(...loaded.notes);
  days.push({ day, count: loaded.entries.length, refused: loaded.refused !== null });
  reading.update(i + 1, 0);
}
reading.done();

const blacklist = await original.blacklistText();
const rules = blacklist === null ? { rules: [], skipped: [] } : readBlacklist(blacklist);
for (const s of rules.skipped) notes.push({ file: original.listing.blacklist!, line: s.line, kind: "skipped", reason: `${s.reason}: ${s.text}` });
let htpasswd: ReturnType<typeof readHtpasswd> | null = null;
if (options.htpasswd !== undefined) {
  try {
    htpasswd = readHtpasswd(await readFile(options.htpasswd, "utf8"));
  } catch (error) {
    fail(`Cannot read ${options.htpasswd}: ${(error as Error).message}`);
  }
  for (const s of htpasswd.skipped) notes.push({ file: options.htpasswd, line: s.line, kind: "user", reason: `user ${s.user || "?"}: ${s.reason}` });
}

let status: ImportStatus;
try {
  status = dryRun
    ? { room: roomName, private: false, now: Date.now(), sequence: 0, importedSequence: 0, ownPosts: 0, firstOwnDay: null, importedDays: [] }
    : await api.get<ImportStatus>("import");
} catch (error) {
  fail(`Cannot ask the room: ${(error as Error).message}`);
}
const plan = planImport(days, {
  now: status.now,
  sequence: original.sequence,
  archivesOnly,
  firstOwnDay: status.firstOwnDay,
  importedDays: new Map(status.importedDays.map((d) => [d.day, d.count])),
});
// A room with posts of its own refuses days and a current log: an import run
// again with nothing new for them sends only the blocklist and the users.
const onlyBlocklistAndUsers = status.ownPosts > 0 && !archivesOnly;
if (onlyBlocklistAndUsers) {
  const news = newSinceImport(plan, status);
  if (news.length > 0) {
    fail(
      `${roomName} has ${status.ownPosts} post${status.ownPosts === 1 ? "" : "s"} of its own: nothing imported. Use --archives-only to add only the days before its first post (${status.firstOwnDay ?? "none archived"}).\nNew in the original: ${news.slice(0, 3).join(", ")}${news.length > 3 ? `, and ${news.length - 3} more` : ""}.`,
    );
  }
}

const transfer = (entries: readonly DayEntry[], firstSeq: number): TransferEntry[] =>
  entries.map((e, i) => [firstSeq === 0 ? 0 : firstSeq + i, e.nick, e.sec, e.usec, e.text, e.ip ?? ""]);

const totals = {
  added: 0,
  present: 0,
  daysAdded: 0,
  current: { added: 0, present: 0, sequence: onlyBlocklistAndUsers ? status.sequence : plan.sequence },
  rulesAdded: 0,
  rulesPresent: 0,
  usersAdded: [] as string[],
  usersPresent: [] as string[],
  usersRefused: [] as { user: string; reason: string }[],
};
const toSendEntries = onlyBlocklistAndUsers ? 0 : plan.toSend.reduce((sum, d) => sum + d.count, 0);

/** Well under the room's MAX_IMPORT_BATCH_BYTES (16 MiB): a batch of long texts is split, each day whole. */
const BATCH_BYTES = 8 * 1024 * 1024;

async function postDays(payload: { day: string; entries: TransferEntry[] }[]): Promise<DayImportResult[]> {
  const body = { kind: "days", archivesOnly, days: payload };
  if (payload.length > 1 && JSON.stringify(body).length > BATCH_BYTES) {
    const half = Math.ceil(payload.length / 2);
    return [...(await postDays(payload.slice(0, half))), ...(await postDays(payload.slice(half)))];
  }
  return ((await api.post<ImportReply>("import", body)) as ImportReply & { kind: "days" }).days;
}

async function send(): Promise<void> {
  if (!onlyBlocklistAndUsers) await sendEntries();
  await sendRest();
}

/** The closed days to the archive, and the current log. */
async function sendEntries(): Promise<void> {
  const progress = new Progress("importing", plan.toSend.length, toSendEntries);
  let doneDays = 0;
  let doneEntries = 0;
  for (const batch of batchDays(plan.toSend, batchEntries)) {
    const payload = [];
    for (const d of batch) payload.push({ day: d.day, entries: transfer((await original.loadDay(d.day)).entries, plan.firstSeq.get(d.day)!) });
    for (const r of await postDays(payload)) {
      totals.added += r.added;
      totals.present += r.present;
      if (r.added > 0) totals.daysAdded++;
      if (r.skipped) plan.leftOut.push({ day: r.day, reason: r.skipped });
    }
    doneDays += batch.length;
    doneEntries += batch.reduce((sum, d) => sum + d.count, 0);
    progress.update(doneDays, doneEntries);
  }
  progress.update(doneDays, doneEntries, true);
  progress.done();

  if (!archivesOnly) {
    // The current log: the open days, and the newest closed entries, as the room's archiver leaves it.
    const current: TransferEntry[] = [];
    for (const d of plan.openDays) current.push(...transfer((await original.loadDay(d.day)).entries, plan.firstSeq.get(d.day)!));
    const closed = days.filter((d) => !d.refused && d.count > 0 && d.day < plan.today);
    const kept: TransferEntry[] = [];
    for (let i = closed.length - 1; i >= 0 && kept.length < CURRENT_LOG_KEEPS - current.length; i--) {
      const entries = transfer((await original.loadDay(closed[i]!.day)).entries, plan.firstSeq.get(closed[i]!.day)!);
      kept.unshift(...entries.slice(-(CURRENT_LOG_KEEPS - current.length - kept.length)));
    }
    const reply = await api.post<ImportReply & { kind: "current" }>("import", {
      kind: "current",
      entries: [...kept, ...current],
      sequence: plan.sequence,
      lastPost: original.lastPost ?? 0,
    });
    totals.current = { added: reply.added, present: reply.present, sequence: reply.sequence };
  }
}

/** The blocklist and the users, which a room with posts of its own takes too. */
async function sendRest(): Promise<void> {
  if (rules.rules.length > 0) {
    const reply = await api.post<ImportReply & { kind: "blocklist" }>("import", { kind: "blocklist", rules: blocklistText(rules.rules) });
    totals.rulesAdded = reply.added.length;
    totals.rulesPresent = reply.present;
    for (const e of reply.errors)
      notes.push({ file: original.listing.blacklist!, line: rules.rules[e.line - 1]?.line ?? e.line, kind: "skipped", reason: `${e.reason}: ${e.text}` });
  }
  if (htpasswd !== null && htpasswd.users.length > 0) {
    const reply = await api.post<ImportReply & { kind: "users" }>("import", { kind: "users", users: htpasswd.users.map(({ user, hash }) => ({ user, hash })) });
    totals.usersAdded = reply.added;
    totals.usersPresent = reply.present;
    totals.usersRefused = reply.refused;
  }
}

let failure: string | null = null;
if (!dryRun) {
  try {
    await send();
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    failure = `The room refused a batch, the import stopped (run it again to continue): ${error.message}`;
  }
}

// What was noticed: a few of each kind here, all of them in --report.
const LABELS: Record<NoteKind, string> = {
  skipped: "lines skipped",
  collision: "collisions moved by a microsecond",
  cleaned: "entries with characters XML forbids removed",
  rewritten: "lines export will write in today's escape form",
  merged: "entries only in current.dat, added to their day",
  count: ".cnt files that do not match",
  refused: "days refused",
  user: "users left out",
};
const byKind = (kind: NoteKind) => notes.filter((n) => n.kind === kind);
for (const kind of Object.keys(LABELS) as NoteKind[]) {
  const list = byKind(kind);
  if (list.length === 0) continue;
  console.error(`${list.length} ${LABELS[kind]}:`);
  for (const n of list.slice(0, 5)) console.error(`  ${n.file}:${n.line}: ${n.reason}`);
  if (list.length > 5) console.error(`  ... and ${list.length - 5} more${options.report ? ` (in ${options.report})` : " (--report FILE lists them all)"}`);
}
if (plan.leftOut.length > 0) console.error(`${plan.leftOut.length} days left out, from ${plan.leftOut[0]!.day}: ${plan.leftOut[0]!.reason}`);
if (htpasswd !== null && !status.private && !dryRun) console.error(`Note: ${roomName} is not a private room; its users matter only once it is.`);
if (options.report) {
  await writeFile(
    options.report,
    JSON.stringify(
      {
        room: roomName,
        notes,
        leftOut: plan.leftOut,
        quietDays: plan.quiet,
        symlinks: original.listing.symlinks,
        notData: original.listing.notData,
        repeatedInCurrent: original.repeated,
        totals,
      },
      null,
      2,
    ),
  );
}

const n = (value: number) => value.toLocaleString("en");
const seconds = (Date.now() - started) / 1000;
const skipped = byKind("skipped");
const refused = byKind("refused");
const facts = [
  `${n(plan.toSend.length + plan.alreadyThere.length)} days (${n(plan.quiet.length)} quiet)`,
  `${n(skipped.length)} lines skipped${
    skipped.length
      ? ` (${skipped
          .slice(0, 3)
          .map((s) => `${s.file}:${s.line}: ${s.reason}`)
          .join("; ")}${skipped.length > 3 ? "; ..." : ""})`
      : ""
  }`,
  `${n(byKind("collision").length)} collisions moved`,
  ...(refused.length ? [`${refused.length} days refused (${refused.map((r) => `${r.file}:${r.line}`).join(", ")})`] : []),
  `${n(rules.rules.length)} rules`,
  ...(htpasswd ? [`${n(htpasswd.users.length)} users (${n(htpasswd.skipped.length)} skipped)`] : []),
];
const total = days.reduce((sum, d) => sum + (d.refused ? 0 : d.count), 0);
if (dryRun) {
  console.log(
    `Dry run, nothing sent: ${n(total)} entries to import, ${n(plan.openDays.reduce((s, d) => s + d.count, 0))} of them open (today's), sequence ${n(plan.sequence)}; ${facts.join(", ")}.`,
  );
} else if (failure !== null) {
  console.log(`${failure}. So far: ${n(totals.added)} entries added.`);
} else {
  const nothing = totals.added === 0 && totals.current.added === 0 && totals.rulesAdded === 0 && totals.usersAdded.length === 0;
  const rate = toSendEntries > 0 && seconds > 0 ? `, ${n(Math.round(totals.added / seconds))} entries/s` : "";
  const head = nothing
    ? `Nothing to add: ${roomName} already has all of it`
    : `Imported into ${roomName}: ${n(totals.added)} entries added in ${n(totals.daysAdded)} days${plan.alreadyThere.length ? ` (${n(plan.alreadyThere.length)} days already there)` : ""}, ${n(totals.current.added)} into the current log, rules ${n(totals.rulesAdded)} new, users ${n(totals.usersAdded.length)} new`;
  console.log(`${head}; sequence ${n(totals.current.sequence)}; ${facts.join(", ")}; ${formatSeconds(seconds)}${rate}.`);
}
process.exit(failure !== null || refused.length > 0 ? 1 : 0);
