// Archive rendering: a day of entries rendered as the archive page
// (archiveDayPage, src/render/archive.ts) and as RSS (rssFeed, src/render/rss.ts),
// bundled from src/ with esbuild into a temporary file and run in this Node
// process; each timed as the median of repeated runs, and compared to
// JSON.stringify of the same entries.
import { build } from "esbuild";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { control, percentile } from "./load.mjs";

const ENTRY_MODULE = `
export { archiveDayPage } from "./src/render/archive";
export { rssFeed } from "./src/render/rss";
export { cleanPost } from "./src/protocol/entry";
export { dayOf } from "./src/protocol/day";
`;

/** src/generated/ is written by the build (and gitignored): stand in for it so a fresh tree bundles too. */
const generatedStub = {
  name: "generated-stub",
  setup(b) {
    b.onResolve({ filter: /\/generated\/build$/ }, () => ({ path: "build", namespace: "bench-generated" }));
    b.onLoad({ filter: /.*/, namespace: "bench-generated" }, () => ({ contents: 'export const BUILD_ID = "bench";', loader: "js" }));
  },
};

async function loadRenderers(root, dir) {
  const outfile = join(dir, "render.mjs");
  await build({
    stdin: { contents: ENTRY_MODULE, resolveDir: root, loader: "ts", sourcefile: "bench-render-entry.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outfile,
    plugins: [generatedStub],
    logLevel: "warning",
  });
  return import(pathToFileURL(outfile).href);
}

/** A small deterministic PRNG (mulberry32), so every run renders the same day. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NICKS = [
  "alice",
  "bob",
  "carol",
  "dave",
  "しょうた",
  "Zoë",
  "O'Brien & Co",
  "<b>mallory</b>",
  "エリ",
  'quote"nick',
  "shiro",
  "kuro",
  "λambda",
  "🐈 neko",
  "anonymous coward",
  "x",
];
const WORDS = (
  "hello there did you see the new release yes it builds but the tests are slow today " +
  "I think the scheduler is fine maybe lunch soon what about the archive page anyway " +
  "ok thanks later let me check the logs again the room is quiet now すごい ありがとう ね"
).split(" ");
const URLS = [
  "https://example.com/docs/getting-started?lang=en#install",
  "http://practical-scheme.net/chaton/",
  "https://en.wikipedia.org/wiki/Comet_(programming)",
  "https://example.org/a/b/c?x=1&y=2&z=%3Cscript%3E",
];
const IMAGES = ["https://example.com/cat.png", "http://example.org/photos/2026/10/IMG_0042.JPG", "https://example.net/anim.gif"];
const VIDEOS = ["https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://youtu.be/abcdefghijk", "https://www.nicovideo.jp/watch/sm9"];
const HOSTILE = [
  '<script>alert("pwned")</script>',
  "]]> <![CDATA[ & &amp; &lt; \"quoted\" 'single' </item></channel>",
  '<img src=x onerror="alert(1)"> <a href="javascript:alert(1)">click</a>',
  "\u0000\u0001 nulls \u0008 and \u001b[31m escapes \u007f\u000b\u000c",
  "\u202e right-to-left override \u2028 line separator \u2029 paragraph \ufeff",
  "zalgo h̸̢̛͓e̵͕͝ ç̷̛o̴͉͝m̸̟̿e̶̡̽s̷̙̈́ and astral 𝕏 🏳️‍🌈 👨‍👩‍👧",
];

function sentence(rand, words) {
  const out = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]);
  return out.join(" ");
}

/**
 * A realistic day: conversations in bursts (so entries group under one
 * header), mixed nicks, plain chatter, links, images, players, multi-line
 * pastes, hostile markup and control characters, a few very long texts;
 * all passed through the server's own posting rules (cleanPost).
 */
export function makeDay(count, cleanPost, daySec) {
  const rand = prng(20261031);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const entries = [];
  let t = daySec + 30;
  let nick = pick(NICKS);
  for (let seq = 1; entries.length < count; seq++) {
    // Mostly short gaps inside a burst, sometimes a long pause; stay inside the day.
    t += rand() < 0.85 ? rand() * 12 : rand() * 120;
    if (rand() < 0.35) nick = pick(NICKS);
    const r = rand();
    let text;
    if (r < 0.55) text = sentence(rand, 3 + Math.floor(rand() * 14));
    else if (r < 0.67) text = `${sentence(rand, 3)} ${pick(URLS)} ${sentence(rand, 4)}.`;
    else if (r < 0.71) text = `look: ${pick(IMAGES)}`;
    else if (r < 0.73) text = `${pick(VIDEOS)} (${sentence(rand, 2)})`;
    else if (r < 0.84) {
      const lines = 2 + Math.floor(rand() * 6);
      text = Array.from({ length: lines }, (_, i) => `${"  ".repeat(i % 3)}${sentence(rand, 2 + Math.floor(rand() * 6))}`).join("\n");
    } else if (r < 0.92) text = `${pick(HOSTILE)} ${sentence(rand, 3)}`;
    else if (r < 0.98) text = `${sentence(rand, 2)} & ${sentence(rand, 2)} <3 "${sentence(rand, 2)}" 'ok' a<b>c`;
    else text = sentence(rand, 250 + Math.floor(rand() * 150));
    const clean = cleanPost(nick, text);
    if (clean === null) continue;
    const sec = Math.min(Math.floor(t), daySec + 86_399);
    const usec = Math.floor(rand() * 1_000_000);
    entries.push({ seq, nick: clean.nick, sec, usec, text: clean.text, ip: `192.0.2.${(NICKS.indexOf(nick) % 250) + 1}` });
  }
  // Strictly increasing times, as the log guarantees.
  for (let i = 1; i < entries.length; i++) {
    const a = entries[i - 1];
    const b = entries[i];
    if (b.sec < a.sec || (b.sec === a.sec && b.usec <= a.usec)) {
      b.sec = a.sec;
      b.usec = a.usec + 1;
      if (b.usec >= 1_000_000) {
        b.sec++;
        b.usec = 0;
      }
    }
  }
  return entries;
}

/** Times `fn` `runs` times (after `warmup` untimed runs), within `budgetMs`; median and p90 in ms. */
function time(fn, { warmup, runs, budgetMs }) {
  let out = "";
  for (let i = 0; i < warmup; i++) out = fn();
  const samples = [];
  const deadline = performance.now() + budgetMs;
  while (samples.length < runs && (samples.length < 3 || performance.now() < deadline) && !control.interrupted) {
    const t0 = performance.now();
    out = fn();
    samples.push(performance.now() - t0);
  }
  const sorted = Float64Array.from(samples).sort();
  const r = (x) => Math.round(x * 1000) / 1000;
  return { median_ms: r(percentile(sorted, 0.5)), p90_ms: r(percentile(sorted, 0.9)), runs: samples.length, bytes: Buffer.byteLength(out) };
}

export async function archiveRendering({ root, entries: count, runs, budgetMs }) {
  const dir = await mkdtemp(join(tmpdir(), "chaton-bench-render-"));
  try {
    const { archiveDayPage, rssFeed, cleanPost, dayOf } = await loadRenderers(root, dir);
    const daySec = Date.UTC(2026, 9, 31) / 1000;
    const day = dayOf(daySec);
    const entries = makeDay(count, cleanPost, daySec);
    const room = {
      name: "lobby",
      title: "Chaton Lobby",
      description: "A place to chat. Be nice.",
      icon: "/chaton.svg",
      login: "loose",
      imageMaxPx: 400,
    };
    const monthDays = Array.from({ length: 31 }, (_, i) => ({ day: `2026/10/${String(i + 1).padStart(2, "0")}`, count: 200 + i * 37 }));
    const view = {
      room,
      day,
      entries,
      previousDay: "2026/10/30",
      nextDay: "2026/11/01",
      monthDays,
      previousMonthDay: "2026/09/30",
      nextMonthDay: "2026/11/01",
    };
    const newestFirst = [...entries].reverse();
    const roomUrl = "http://127.0.0.1:8787/lobby/";
    const opts = { warmup: 3, runs, budgetMs };
    const json = time(() => JSON.stringify(entries), opts);
    const archive = time(() => archiveDayPage(view).value, opts);
    const rss = time(() => rssFeed(room, roomUrl, newestFirst).value, opts);
    const ratio = (x) => Math.round((x.median_ms / json.median_ms) * 10) / 10;
    return {
      n: entries.length,
      multiline: entries.filter((e) => e.text.includes("\n")).length,
      with_url: entries.filter((e) => /https?:\/\//.test(e.text)).length,
      json,
      archive,
      rss,
      ratio: { archive: ratio(archive), rss: ratio(rss) },
      note: "Node (V8) in the load generator's process, not workerd; bytes are the UTF-8 size of the output",
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
