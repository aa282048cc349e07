// The search scenario: fills one room's search index with generated entries
// (Japanese, English, mixed, URLs, emoji, multi-line) through the admin API,
// then times each query inside the room, through the index and by a full
// scan with instr() over every row (the floor), and over HTTP; checks every
// first page against a brute-force filter of the same entries here.
import { performance } from "node:perf_hooks";
import { control, httpRequest, newAgent, percentile } from "./load.mjs";

/** The admin token the runner gives the project's wrangler dev (--var ADMIN_TOKEN:...). */
export const BENCH_ADMIN_TOKEN = "bench-admin-token";
const FILL_BATCH = 5_000;
const PAGE_SIZE = 50;
const FIRST_SEC = Date.UTC(2024, 0, 1) / 1000;

/** The queries, by what they stand for; the issue names the first five. */
export const SEARCH_QUERIES = [
  ["word of 3+ characters", "weather"],
  ["CJK word of 2 characters", "東京"],
  ["phrase", '"good morning"'],
  ["from: with a word", "from:alice weather"],
  ["date range with a word", "after:2024-06-01 before:2024-07-01 weather"],
  ["CJK word of 1 character", "雨"],
  ["rare word", "zeppelin"],
];

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JA_WORDS =
  "東京 大阪 京都 名古屋 札幌 雨 晴れ 天気 電車 会議 昼ごはん ラーメン 寿司 仕事 週末 映画 猫 犬 駅 コーヒー 新幹線 明日 今日 昨日 本 音楽 友達 写真 旅行 桜 雪 海 山 夏 冬 宿題 試験 先生 学校 会社 部長 コード バグ サーバー リリース".split(
    " ",
  );
const JA_PARTICLES = "は が を に で の と も へ".split(" ");
const JA_ENDINGS = ["です", "でした", "ですね", "かな", "だよ", "！", "。", "って", "らしい", "よね"];
const EN_WORDS =
  "weather morning good train meeting lunch coffee tower weekend movie code deploy server bug release music cat dog station tomorrow today yesterday book friend photo trip snow sea mountain summer winter homework exam teacher school office boss ramen sushi tea rain sunny cloudy late early busy tired happy great thanks please sorry maybe really".split(
    " ",
  );
const NICKS = [
  "alice",
  "bob",
  "carol",
  "dave",
  "eve",
  "frank",
  "grace",
  "heidi",
  "ivan",
  "judy",
  "たろう",
  "花子",
  "山田 太郎",
  "さくら",
  "けん",
  "🐱neko",
  "Shiro",
  "kuro",
  "mallory",
  "oscar",
  "peggy",
  "trent",
  "victor",
  "walter",
  "yuki",
  "ゆい",
  "ハル",
  "sam",
  "max",
  "leo",
];
const EMOJI = ["🍣", "🍺", "🍶", "😂", "👍", "🎉", "☔", "🗼", "🐱", "👨‍👩‍👧"];

/** Deterministic entries, oldest first: [nick, sec, usec, text]. */
export function generateEntries(count, seed = 14) {
  const rnd = mulberry32(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  // A few chatters talk most (a rough Zipf).
  const nick = () => NICKS[Math.min(NICKS.length - 1, Math.floor(NICKS.length * rnd() ** 2.2))];
  const japanese = () => {
    let s = "";
    const n = 1 + Math.floor(rnd() * 4);
    for (let i = 0; i < n; i++) s += pick(JA_WORDS) + pick(JA_PARTICLES);
    return s + pick(JA_WORDS) + pick(JA_ENDINGS);
  };
  const english = () => {
    const n = 3 + Math.floor(rnd() * 9);
    const words = Array.from({ length: n }, () => pick(EN_WORDS));
    if (rnd() < 0.05) words.splice(Math.floor(rnd() * n), 0, "good morning");
    if (rnd() < 0.3) words[0] = words[0][0].toUpperCase() + words[0].slice(1);
    if (rnd() < 0.0005) words.push("zeppelin");
    return words.join(" ");
  };
  const entries = [];
  let sec = FIRST_SEC;
  for (let i = 0; i < count; i++) {
    sec += 1 + Math.floor(rnd() * 600);
    const kind = rnd();
    let text;
    if (kind < 0.42) text = japanese();
    else if (kind < 0.8) text = english();
    else if (kind < 0.88) text = `${japanese()} ${english()}`;
    else if (kind < 0.93)
      text = `${pick(["see", "見て", "ref"])} https://example.com/${pick(EN_WORDS)}/${Math.floor(rnd() * 10000)}?q=${encodeURIComponent(pick(JA_WORDS))}`;
    else if (kind < 0.97) text = Array.from({ length: 2 + Math.floor(rnd() * 3) }, () => (rnd() < 0.5 ? japanese() : english())).join("\n");
    else text = `${pick(EMOJI)}${pick(EMOJI)} ${rnd() < 0.5 ? japanese() : english()}`;
    if (rnd() < 0.05) text += ` ${pick(EMOJI)}`;
    entries.push([nick(), sec, Math.floor(rnd() * 1_000_000), text]);
  }
  return entries;
}

// The brute-force reference: A-Z fold, everything else as written.
const fold = (s) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

function referenceFilter(q) {
  const include = [];
  const from = [];
  let since = -Infinity;
  let until = Infinity;
  for (const m of q.matchAll(/(from|after|before|on):("[^"]*"|\S+)|"([^"]*)"|(\S+)/g)) {
    if (m[1] === "from") from.push(fold(m[2].replace(/^"|"$/g, "")));
    else if (m[1]) {
      const start = Date.parse(`${m[2]}T00:00:00Z`) / 1000;
      if (m[1] !== "before") since = Math.max(since, start);
      if (m[1] === "before") until = Math.min(until, start);
      if (m[1] === "on") until = Math.min(until, start + 86_400);
    } else include.push(fold(m[3] ?? m[4]));
  }
  return ([nick, sec, , text]) => {
    if (sec < since || sec >= until) return false;
    if (from.length > 0 && !from.includes(fold(nick))) return false;
    const folded = fold(text);
    return include.every((t) => folded.includes(t));
  };
}

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  const r = (x) => (x === null ? null : Math.round(x * 1000) / 1000);
  return { p50: r(percentile(sorted, 0.5)), p99: r(percentile(sorted, 0.99)), max: r(sorted.at(-1) ?? null), runs: values.length };
}

async function admin(agent, server, method, command, { body, headers = {}, timeoutMs = 300_000 } = {}) {
  const r = await httpRequest(agent, method, `${server.url}/lobby/admin/${command}`, {
    body,
    headers: { Authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, ...headers },
    timeoutMs,
  });
  if (r.status !== 200) throw new Error(`admin ${command}: status ${r.status} ${r.text.slice(0, 300)}`);
  return JSON.parse(r.text);
}

/**
 * Fills the room with `entries` generated entries, then runs each query
 * `runs` times in each way. Returns the record for the report.
 */
export async function searchBench(server, { entries: count, runs, log }) {
  const agent = newAgent(4);
  try {
    const entries = generateEntries(count);
    const fillStart = performance.now();
    for (let i = 0; i < entries.length && !control.interrupted; i += FILL_BATCH) {
      const body = JSON.stringify({ entries: entries.slice(i, i + FILL_BATCH) });
      const r = await admin(agent, server, "POST", "search-fill", { body, headers: { "Content-Type": "application/json" } });
      if (r.indexed !== Math.min(FILL_BATCH, entries.length - i)) throw new Error(`search-fill: ${r.indexed} indexed of a batch`);
    }
    const fillSeconds = (performance.now() - fillStart) / 1000;
    const { search: size } = await admin(agent, server, "GET", "search-stats");
    if (size.entries !== count) throw new Error(`the index holds ${size.entries} entries, not ${count}`);
    log?.(
      `  filled ${count} entries in ${fillSeconds.toFixed(1)} s; index ${(size.indexBytes / 2 ** 20).toFixed(1)} MiB for ${(size.textBytes / 2 ** 20).toFixed(1)} MiB of text`,
    );

    const form = { "Content-Type": "application/x-www-form-urlencoded" };
    const time = (q, n, scan) =>
      admin(agent, server, "POST", "search-time", { body: new URLSearchParams({ q, runs: String(n), scan: scan ? "1" : "0" }).toString(), headers: form });

    // First as filled (one FTS5 segment per batch, or so), with the floor; then once merged, as the room's alarm keeps it.
    const queries = [];
    for (const [what, q] of SEARCH_QUERIES) {
      if (control.interrupted) break;
      const expected = entries.filter(referenceFilter(q));
      await time(q, 2, true);
      const { timings } = await time(q, runs, true);
      const indexed = summary(timings.indexedMs);
      const scan = summary(timings.scanMs);
      queries.push({ what, q, expected, matches: expected.length, same: timings.same, scan_matches: timings.matches, filled_ms: indexed, scan_ms: scan });
      log?.(`  ${what}: ${expected.length} matches, index p50 ${indexed.p50} ms as filled, scan p50 ${scan.p50} ms`);
    }
    const merge = await admin(agent, server, "POST", "search-merge");
    log?.(`  merged the index: ${size.segments} segments to ${merge.search.segments}`);
    for (const x of queries) {
      if (control.interrupted) break;
      const { q, expected } = x;
      await time(q, 2, false);
      const { timings } = await time(q, runs, false);
      // The whole request, through the Worker and wrangler dev's proxy.
      const url = `${server.url}/lobby/search?${new URLSearchParams({ q, format: "json" })}`;
      const httpMs = [];
      let page = null;
      for (let i = 0; i < runs + 2 && !control.interrupted; i++) {
        const t = performance.now();
        const r = await httpRequest(agent, "GET", url, { timeoutMs: 60_000 });
        const ms = performance.now() - t;
        if (r.status !== 200) throw new Error(`search ${q}: status ${r.status} ${r.text.slice(0, 200)}`);
        if (i >= 2) httpMs.push(ms);
        page = JSON.parse(r.text);
      }
      const want = expected
        .slice(-PAGE_SIZE)
        .reverse()
        .map(([, sec, usec]) => [sec, usec]);
      const got = page.results.map((r) => r.time);
      x.exact = x.same && timings.same && JSON.stringify(got) === JSON.stringify(want) && x.scan_matches === expected.length;
      if (!x.exact)
        x.mismatch = { index_vs_scan: [x.same, timings.same], http_vs_reference: JSON.stringify(got) === JSON.stringify(want), scan_matches: x.scan_matches };
      x.merged_ms = summary(timings.indexedMs);
      x.http_ms = summary(httpMs);
      // How many times faster the index is than the floor, at p50: the goal is at least 20.
      const speedup = (a) => (a.p50 && x.scan_ms.p50 !== null ? Math.round((x.scan_ms.p50 / a.p50) * 10) / 10 : null);
      x.scan_over_filled_p50 = speedup(x.filled_ms);
      x.scan_over_merged_p50 = speedup(x.merged_ms);
      delete x.expected;
      delete x.same;
      log?.(`  ${x.what}: index p50 ${x.merged_ms.p50} ms merged, http p50 ${x.http_ms.p50} ms${x.exact ? "" : " NOT EXACT"}`);
    }
    return {
      entries: count,
      fill_s: Math.round(fillSeconds * 10) / 10,
      fill_entries_per_s: Math.round(count / fillSeconds),
      size_bytes: { text: size.textBytes, index: size.indexBytes, database: size.databaseBytes },
      index_to_text: Math.round((size.indexBytes / size.textBytes) * 100) / 100,
      segments: { filled: size.segments, merged: merge.search.segments },
      merged_size_bytes: { index: merge.search.indexBytes, database: merge.search.databaseBytes },
      queries,
      all_exact: queries.every((x) => x.exact),
    };
  } finally {
    agent.destroy();
  }
}
