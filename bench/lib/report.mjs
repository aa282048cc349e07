// The benchmark's report: tables for people, then one "BENCH {json}" line per
// scenario for tools (grep '^BENCH ' | cut -c7- | jq).
import { PRICES } from "./cost.mjs";

export const fmt = (x, digits = 1) =>
  x === null || x === undefined || Number.isNaN(x) ? "-" : typeof x === "number" ? (Number.isInteger(x) ? String(x) : x.toFixed(digits)) : String(x);

/** ours / floor, or null when either is missing or the floor's figure is 0. */
function ratio(a, b) {
  if (typeof a !== "number" || typeof b !== "number" || b === 0) return null;
  return Math.round((a / b) * 100) / 100;
}

export function table(headers, rows, alignLeft = 1) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? "").length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i < alignLeft ? String(c ?? "").padEnd(widths[i]) : String(c ?? "").padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The ratios of a fan-out or posting run: ours / floor for every figure where lower or higher is meaningful. */
export function ratios(ours, floor) {
  if (!ours?.latency_ms || !floor?.latency_ms) return null;
  return {
    p50: ratio(ours.latency_ms?.p50, floor.latency_ms?.p50),
    p90: ratio(ours.latency_ms?.p90, floor.latency_ms?.p90),
    p99: ratio(ours.latency_ms?.p99, floor.latency_ms?.p99),
    max: ratio(ours.latency_ms?.max, floor.latency_ms?.max),
    throughput: ratio(ours.throughput, floor.throughput),
    rss: ratio(ours.rss_mb?.workerd, floor.rss_mb?.workerd),
    worker_rss: ratio(ours.rss_mb?.worker, floor.rss_mb?.worker),
    server_cpu_per_delivery: ratio(ours.server_cpu_us_per_delivery, floor.server_cpu_us_per_delivery),
    server_cpu_per_post: ratio(ours.server_cpu_ms_per_post, floor.server_cpu_ms_per_post),
    worker_cpu_per_delivery: ratio(ours.worker_cpu_us_per_delivery, floor.worker_cpu_us_per_delivery),
    ...(ours.idle_socket_kb ? { idle_socket_kb: ratio(ours.idle_socket_kb.workerd, floor.idle_socket_kb?.workerd) } : {}),
    ...(ours.posts_per_s !== undefined ? { posts_per_s: ratio(ours.posts_per_s, floor.posts_per_s) } : {}),
  };
}

function fanoutRows(record) {
  const rows = [];
  const size = (record.scenario === "post" ? `${record.posters}x${record.listeners}` : String(record.n)) + (record.round ? ` #${record.round}` : "");
  const rate = record.scenario === "post" ? "max" : `${record.rate}/s`;
  for (const label of ["ours", "floor"]) {
    const r = record[label];
    if (!r || (!r.error && !r.latency_ms)) continue;
    if (r.error) {
      rows.push([record.scenario, size, rate, label, "ERROR", ...Array(15).fill(""), r.error.split("\n")[0].slice(0, 100)]);
      continue;
    }
    const pct = r.delivered_ratio === null ? "-" : `${(r.delivered_ratio * 100).toFixed(1)}%`;
    const notes = [];
    if (r.saturated) notes.push("SATURATED");
    if (record.scenario === "small") notes.push(`cpu/post ${fmt(r.server_cpu_ms_per_post, 2)} ms`);
    if (r.posts_per_s !== undefined) notes.push(`${fmt(r.posts_per_s)} posts/s, ack p50 ${fmt(r.post_ack_ms?.p50)} ms`);
    if (r.errors) notes.push(`${r.errors} errors`);
    if (r.post_errors) notes.push(`${r.post_errors} failed posts`);
    if (r.dropped) notes.push(`${r.dropped} dropped`);
    if (r.duplicates) notes.push(`${r.duplicates} dup`);
    if (r.leftover_waiting) notes.push(`${r.leftover_waiting} still held`);
    if (r.leftover_sockets) notes.push(`${r.leftover_sockets} sockets left`);
    if (r.open_files?.limit && r.open_files.proxy > 0.9 * r.open_files.limit)
      notes.push(`proxy near open-file limit (${r.open_files.proxy}/${r.open_files.limit})`);
    if (r.loadgen_lag_p99_ms > 50) notes.push(`gen lag p99 ${fmt(r.loadgen_lag_p99_ms)} ms`);
    rows.push([
      record.scenario,
      size,
      rate,
      label,
      fmt(r.messages),
      `${r.delivered}/${r.expected}`,
      pct,
      fmt(r.lost),
      fmt(r.latency_ms.p50),
      fmt(r.latency_ms.p90),
      fmt(r.latency_ms.p99),
      fmt(r.latency_ms.max),
      fmt(r.throughput),
      fmt(r.rss_mb.workerd_at_start),
      fmt(r.rss_mb.workerd),
      `${fmt(r.rss_mb.proxy)}+${fmt(r.rss_mb.worker)}`,
      fmt(r.server_cpu_us_per_delivery),
      fmt(r.worker_cpu_us_per_delivery),
      fmt(r.idle_socket_kb?.workerd),
      fmt(r.setup_ms === undefined ? null : r.setup_ms / 1000),
      notes.join("; "),
    ]);
  }
  const x = record.ratio;
  if (x) {
    const f = (v) => (v === null || v === undefined ? "-" : `x${v.toFixed(2)}`);
    rows.push([
      "",
      "",
      "",
      "ours/floor",
      "",
      "",
      "",
      "",
      f(x.p50),
      f(x.p90),
      f(x.p99),
      f(x.max),
      f(x.throughput),
      "",
      f(x.rss),
      `w ${f(x.worker_rss)}`,
      f(x.server_cpu_per_delivery),
      f(x.worker_cpu_per_delivery),
      f(x.idle_socket_kb),
      "",
      [x.posts_per_s !== undefined ? `posts/s ${f(x.posts_per_s)}` : "", record.scenario === "small" ? `cpu/post ${f(x.server_cpu_per_post)}` : ""]
        .filter(Boolean)
        .join("; "),
    ]);
  }
  return rows;
}

/** The scenarios reported as fan-out runs, ours against the floor. */
const FANOUT = ["longpoll", "ws", "small", "frames", "post"];

/** The median of each ratio over the rounds of a size, with the range. */
function medianRows(records) {
  const groups = new Map();
  for (const record of records) {
    if (record.round === undefined || !record.ratio) continue;
    const size = record.scenario === "post" ? `${record.posters}x${record.listeners}` : String(record.n);
    const key = `${record.scenario} ${size}`;
    if (!groups.has(key)) groups.set(key, { scenario: record.scenario, size, ratios: [] });
    groups.get(key).ratios.push(record.ratio);
  }
  const cell = (values) => {
    const xs = values.filter((v) => typeof v === "number").sort((a, b) => a - b);
    if (!xs.length) return "-";
    const mid = xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
    return `x${mid.toFixed(2)} (${xs[0].toFixed(2)}-${xs[xs.length - 1].toFixed(2)})`;
  };
  return [...groups.values()].map(({ scenario, size, ratios }) => [
    scenario,
    size,
    ratios.length,
    ...["p50", "p90", "p99", "server_cpu_per_delivery", "worker_cpu_per_delivery", "server_cpu_per_post", "idle_socket_kb", "posts_per_s"].map((k) =>
      cell(ratios.map((r) => r[k])),
    ),
  ]);
}

/** One row per kind of socket of every socket run: bytes per delivered entry, ours and the floor's. */
function framesRows(records) {
  const rows = [];
  const f = (v) => (v === null || v === undefined ? "-" : `x${v.toFixed(2)}`);
  for (const record of records) {
    const ours = record.ours?.frames ?? {};
    const floor = record.floor?.frames ?? {};
    const size = record.scenario === "post" ? `${record.posters}x${record.listeners}` : String(record.n);
    for (const kind of ["html", "entries", "both"]) {
      const a = ours[kind];
      const b = floor[kind];
      if (!a && !b) continue;
      rows.push([
        record.scenario,
        size,
        kind,
        fmt(a?.listeners ?? b?.listeners),
        fmt(a?.bytes_per_entry),
        fmt(b?.bytes_per_entry),
        f(ratio(a?.bytes_per_entry, b?.bytes_per_entry)),
        fmt(a?.latency_ms?.p50),
        fmt(a?.latency_ms?.p99),
        fmt(b?.latency_ms?.p50),
        fmt(b?.latency_ms?.p99),
      ]);
    }
  }
  return rows;
}

export function printReport(results, meta) {
  for (const record of results) {
    if (FANOUT.includes(record.scenario)) record.ratio = ratios(record.ours, record.floor);
  }
  const out = [];
  out.push("");
  out.push(
    `Chaton benchmark, ${meta.date}, commit ${meta.commit ?? "?"}${meta.dirty ? " (with uncommitted changes)" : ""}, ` +
      `${meta.cpus} cores, ${meta.mem_gb} GiB, load generator on Node ${meta.node}${meta.smoke ? " (smoke run)" : ""}` +
      `${meta.profiled ? " (PROFILED: the profiler slows the servers)" : ""}${meta.floor_assets ? " (floor with static assets)" : ""}` +
      `${meta.floor_durable ? " (floor storing every post)" : ""}`,
  );

  const fanout = results.filter((r) => FANOUT.includes(r.scenario));
  if (fanout.length) {
    out.push("");
    out.push("Fan-out and posting (latency: post sent -> entry received by each listener, ms; thr: deliveries/s;");
    out.push("RSS0, RSS: workerd MB before the listeners connected and at the end, the latter split proxy+worker;");
    out.push("cpu/dlv, wkr/dlv: CPU µs per delivery of both workerd and of the Worker's alone; KB/sk: workerd KB per idle socket,");
    out.push("resident growth from before the sockets came to once they settled; setup: s to connect the listeners)");
    out.push("");
    out.push(
      table(
        [
          "scenario",
          "n",
          "rate",
          "server",
          "msgs",
          "deliv/exp",
          "%",
          "lost",
          "p50",
          "p90",
          "p99",
          "max",
          "thr/s",
          "RSS0",
          "RSS",
          "prx+wkr",
          "cpu/dlv",
          "wkr/dlv",
          "KB/sk",
          "setup",
          "notes",
        ],
        fanout.flatMap(fanoutRows),
        4,
      ),
    );
    const marks = [];
    for (const scenario of ["longpoll", "ws"]) {
      for (const label of ["ours", "floor"]) {
        const runs = fanout.filter((r) => r.scenario === scenario && r[label]?.latency_ms);
        if (!runs.length) continue;
        const first = runs.find((r) => r[label].saturated);
        marks.push(
          `${scenario.padEnd(8)} ${label.padEnd(5)}: ${first ? `saturation begins at n=${first.n}, ${first.rate} posts/s (offered ${first[label].offered} deliveries/s)` : `no saturation up to n=${Math.max(...runs.map((r) => r.n))}`}`,
        );
      }
    }
    if (marks.length) {
      out.push("");
      out.push("Saturation (delivered/expected < 99% or p99 > 1000 ms):");
      out.push(...marks.map((m) => `  ${m}`));
    }
    const medians = medianRows(fanout);
    if (medians.length) {
      out.push("");
      out.push("Medians over the rounds of each size (--repeat; ours/floor; min-max in brackets):");
      out.push("");
      out.push(table(["scenario", "n", "rounds", "p50", "p90", "p99", "cpu/dlv", "wkr/dlv", "cpu/post", "KB/sk", "posts/s"], medians, 2));
    }
    const bytes = framesRows(fanout);
    if (bytes.length) {
      out.push("");
      out.push("Bytes per delivered entry, by what the sockets asked for (frames=html: the page; frames=entries: API clients;");
      out.push("both: no parameter): the entries frames' payload bytes a kind of socket received over its deliveries; latency");
      out.push("in ms for that kind alone. The floor's page part is the text alone, unescaped and unrendered.");
      out.push("");
      out.push(table(["scenario", "n", "kind", "sockets", "ours B/entry", "floor B/entry", "ours/floor", "ours p50", "p99", "floor p50", "p99"], bytes, 3));
    }
  }

  const status = results.find((r) => r.scenario === "status");
  if (status?.ours?.error || status?.ours?.latency_ms) {
    const s = status.ours;
    out.push("");
    out.push(`Status polling (var/status.js, the Worker's status memo, STATUS_CACHE_SECONDS=${status.cache_seconds}):`);
    out.push("");
    if (s.error) out.push(`  ERROR ${s.error.split("\n")[0]}`);
    else {
      out.push(
        table(
          ["requests", "loops", "elapsed s", "req/s", "reached DO", "intervals", "p50", "p90", "p99", "max", "RSS", "statuses"],
          [
            [
              s.n,
              s.loops,
              fmt(s.elapsed_s, 2),
              s.requests_per_s,
              `${s.reached_do}${s.room_restarted ? " (room restarted!)" : ""}`,
              s.cache_intervals_spanned,
              fmt(s.latency_ms.p50),
              fmt(s.latency_ms.p90),
              fmt(s.latency_ms.p99),
              fmt(s.latency_ms.max),
              s.rss_mb.workerd,
              JSON.stringify(s.statuses) + (s.errors ? ` ${s.errors} errors` : ""),
            ],
          ],
          0,
        ),
      );
    }
  }

  const parts = results.find((r) => r.scenario === "parts");
  if (parts?.ours?.error || parts?.ours?.parts) {
    const p = parts.ours;
    out.push("");
    if (p.error) out.push(`Post path parts: ERROR ${p.error.split("\n")[0]}`);
    else {
      out.push(`The post path part by part (bench/parts: the room's modules in a Durable Object under wrangler dev, its SQLite;`);
      out.push(`µs per run, median and least of ${p.rounds} rounds of ${p.samples} samples, a sample the mean of as many runs as fill 20 ms;`);
      out.push(`the log held ${p.entries} entries at the end). The "committed" rows are the Worker process's CPU per request`);
      out.push(`(/proc, 10 ms ticks) over 500 requests of one step each, less that of as many requests doing nothing: a post's`);
      out.push(`store with its own commit, which the rows above, many stores in one event, pay once for all)`);
      out.push("");
      out.push(
        table(
          ["part", "µs median", "least"],
          p.parts.map((x) => [x.part, fmt(x.us_median, 2), fmt(x.us_min, 2)]),
          1,
        ),
      );
    }
  }

  const render = results.find((r) => r.scenario === "render");
  if (render?.error || render?.json) {
    out.push("");
    out.push("Archive rendering (median ms per render in Node; ratio to JSON.stringify of the same entries):");
    out.push("");
    if (render.error) out.push(`  ERROR ${render.error.split("\n")[0]}`);
    else {
      const row = (name, t, x) => [
        name,
        render.n,
        fmt(t.median_ms, 2),
        fmt(t.p90_ms, 2),
        t.runs,
        (t.bytes / 1024).toFixed(0),
        x === null ? "1" : `x${x.toFixed(1)}`,
      ];
      out.push(
        table(
          ["output", "entries", "median", "p90", "runs", "KiB", "vs JSON"],
          [row("JSON.stringify", render.json, null), row("archive page", render.archive, render.ratio.archive), row("RSS", render.rss, render.ratio.rss)],
        ),
      );
    }
  }

  const cpu = results.find((r) => r.scenario === "cpu");
  if (cpu?.ours?.kinds || cpu?.ours?.error) {
    out.push("");
    out.push("CPU per request by kind (ms: the workerd that runs the Worker and the room, over N requests one after another;");
    out.push(`an upper bound of the Worker's own share, which the Free plan caps at ${cpu.ours.free_cpu_ms ?? 10} ms a request)`);
    out.push("");
    if (cpu.ours.error) out.push(`  ERROR ${String(cpu.ours.error).split("\n")[0]}`);
    else
      out.push(
        table(
          ["request", "n", "ms each", "over 10 ms", "statuses"],
          cpu.ours.kinds.map((k) => [k.kind, k.n, fmt(k.cpu_ms_per_request, 2), k.over_free ? "yes" : "no", JSON.stringify(k.statuses)]),
          1,
        ),
      );
  }

  const cost = results.find((r) => r.scenario === "cost");
  if (cost?.rooms?.length) {
    out.push("");
    out.push(`What a room costs (per day, from a measured period; comet hold ${cost.hold_s} s; Cloudflare's prices read ${PRICES.read}).`);
    out.push("wkr req: Worker requests; room req: billed requests to the room's object (WebSocket messages and closes at 20:1);");
    out.push("msgs: messages and closes reaching it; wakes: times it was made; in room: s it held comet requests inside itself after");
    out.push("a post; awake: that and the CPU s of the Worker and the room together, an upper bound on the time the object cannot");
    out.push("hibernate; GB-s at 128 MB; before: the same room when held comet requests");
    out.push("kept the object awake (a room with a comet listener never hibernated); Paid: one room alone, $ a month");
    out.push("");
    out.push(
      table(
        [
          "room",
          "comet",
          "pages",
          "api",
          "post/s",
          "period",
          "wkr req",
          "room req",
          "msgs",
          "wakes",
          "in room s",
          "awake s",
          "GB-s",
          "before",
          "Free",
          "before",
          "Paid $",
          "before",
        ],
        cost.rooms.map((r) =>
          r.error
            ? [r.room, `ERROR ${String(r.error).split("\n")[0]}`]
            : [
                r.room,
                r.listeners.comet.json + r.listeners.comet.sexpr + r.listeners.comet.html,
                r.listeners.pages,
                r.listeners.api,
                `1/${r.post_every_s}`,
                r.period_s,
                r.day.worker_requests,
                r.day.room_billed_requests,
                r.day.room_messages,
                r.day.wakes,
                r.day.held_in_room_s,
                r.day.awake_s,
                r.day.gb_s,
                r.day.gb_s_before,
                r.plans.free_fits ? "fits" : `over: ${r.plans.free_over.join(", ")}`,
                r.plans.free_fits_before ? "fits" : "over",
                fmt(r.plans.paid_usd_month, 2),
                fmt(r.plans.paid_usd_month_before, 2),
              ],
        ),
        1,
      ),
    );
  }

  const search = results.find((r) => r.scenario === "search");
  if (search?.ours?.error || search?.ours?.queries) {
    const s = search.ours;
    out.push("");
    if (s.error) out.push(`Search: ERROR ${s.error.split("\n")[0]}`);
    else {
      out.push(
        `Search (${s.entries} entries; ms per first page of results, ${s.queries[0]?.filled_ms.runs ?? "?"} samples each, timed inside the room (a sample`,
      );
      out.push(`is the mean of as many runs as fill 20 ms): "filled" the index as the fill left it (${s.segments.filled} segments), "merged" after`);
      out.push(`the merge the room's alarm does (${s.segments.merged}); "scan" the floor, every row read with instr(); "http" the whole JSON`);
      out.push(`request through the Worker and wrangler dev (merged); exact: the index's page equals the scan's and a brute-force`);
      out.push(`filter's, and the scan counts as many matches)`);
      out.push("");
      // The index's time as a fraction of the scan's (1/20: twenty times faster), or how many times slower.
      const x1 = (v) => (v === null || v === undefined ? "-" : v >= 1 ? `1/${fmt(Math.round(v), 0)}` : `x${fmt(1 / v, 1)} slower`);
      out.push(
        table(
          ["query", "", "matches", "filled p50", "p99", "merged p50", "p99", "scan p50", "p99", "vs scan", "merged", "http p50", "p99", "exact"],
          s.queries.map((x) => [
            x.what,
            x.q,
            x.matches,
            fmt(x.filled_ms.p50, 3),
            fmt(x.filled_ms.p99, 3),
            fmt(x.merged_ms?.p50, 3),
            fmt(x.merged_ms?.p99, 3),
            fmt(x.scan_ms.p50, 1),
            fmt(x.scan_ms.p99, 1),
            x1(x.scan_over_filled_p50),
            x1(x.scan_over_merged_p50),
            fmt(x.http_ms?.p50, 2),
            fmt(x.http_ms?.p99, 2),
            x.exact ? "yes" : "NO",
          ]),
          2,
        ),
      );
      const mib = (b) => (b / 2 ** 20).toFixed(1);
      out.push("");
      out.push(
        `Index ${mib(s.size_bytes.index)} MiB (merged ${mib(s.merged_size_bytes.index)} MiB) for ${mib(s.size_bytes.text)} MiB of text and nicks ` +
          `(x${fmt(s.index_to_text, 2)}); database ${mib(s.merged_size_bytes.database)} MiB; filled in ${fmt(s.fill_s)} s (${s.fill_entries_per_s} entries/s)`,
      );
    }
  }

  const breakdowns = results.filter((r) => FANOUT.includes(r.scenario) && (r.ours?.profile?.parts || r.floor?.profile?.parts));
  if (breakdowns.length) {
    out.push("");
    out.push("Where a delivery's time goes (from the CPU profiles below, so slowed by the profiler: read the shares and the");
    out.push("differences): each sample's self time put in one part of the path by the innermost frame that names one");
    out.push("(bench/lib/breakdown.mjs), in ms over the measured window and in µs per delivery.");
    for (const record of breakdowns) {
      const size = record.scenario === "post" ? `${record.posters}x${record.listeners}` : String(record.n);
      const perDelivery = (r, part) => {
        const ms = r?.profile?.parts?.find((p) => p.name === part)?.self_ms;
        return ms === undefined ? null : r.delivered > 0 ? (ms * 1000) / r.delivered : null;
      };
      const msOf = (r, part) => r?.profile?.parts?.find((p) => p.name === part)?.self_ms;
      const names = [...new Set([...(record.ours?.profile?.parts ?? []), ...(record.floor?.profile?.parts ?? [])].map((p) => p.name))];
      const total = (r) => (r?.profile?.parts ?? []).reduce((sum, p) => sum + p.self_ms, 0);
      const rows = names.map((name) => {
        const a = perDelivery(record.ours, name);
        const b = perDelivery(record.floor, name);
        return [name, fmt(msOf(record.ours, name)), fmt(a, 2), fmt(msOf(record.floor, name)), fmt(b, 2), a === null ? "-" : fmt(a - (b ?? 0), 2)];
      });
      const ta = record.ours?.delivered ? (total(record.ours) * 1000) / record.ours.delivered : null;
      const tb = record.floor?.delivered ? (total(record.floor) * 1000) / record.floor.delivered : null;
      rows.push(["all", fmt(total(record.ours)), fmt(ta, 2), fmt(total(record.floor)), fmt(tb, 2), ta === null ? "-" : fmt(ta - (tb ?? 0), 2)]);
      out.push("");
      out.push(
        `  ${record.scenario} ${size}${record.frames ? ` (frames ${record.frames})` : ""}: ${record.ours?.delivered ?? "-"} deliveries ours, ${record.floor?.delivered ?? "-"} the floor's`,
      );
      out.push(
        table(["part", "ours ms", "µs/dlv", "floor ms", "µs/dlv", "ours-floor µs/dlv"], rows, 1)
          .split("\n")
          .map((line) => `    ${line}`)
          .join("\n"),
      );
    }
  }

  const profiled = [];
  for (const record of results) {
    for (const label of ["ours", "floor"]) {
      const prof = record[label]?.profile;
      if (prof)
        profiled.push({
          run: `${record.scenario} ${record.n ?? (record.posters ? `${record.posters}x${record.listeners}` : "")} ${label}`.replace(/\s+/g, " "),
          prof,
        });
    }
  }
  if (profiled.length) {
    out.push("");
    out.push("CPU profiles of the Worker and its Durable Object during the measured window (self time; a native call");
    out.push("is shown with its nearest JavaScript caller, and counted in that caller's file):");
    for (const { run, prof } of profiled) {
      out.push("");
      if (prof.error) {
        out.push(`  ${run}: profile failed: ${prof.error}`);
        continue;
      }
      out.push(
        `  ${run}: ${prof.samples} samples, ~${fmt(prof.busy_ms)} ms busy (GC ${fmt(prof.gc_ms)} ms)${prof.mapped ? "" : " (no source map)"}; ${prof.file}`,
      );
      out.push(
        `    by file:     ${prof.files
          .slice(0, 8)
          .map((f) => `${f.name} ${fmt(f.pct)}%`)
          .join(", ")}`,
      );
      for (const f of prof.functions.slice(0, 10)) out.push(`    ${fmt(f.pct).padStart(5)}%  ${fmt(f.self_ms).padStart(8)} ms  ${f.name}`);
    }
  }

  const text = out.join("\n");
  out.push("");
  for (const record of results)
    out.push(`BENCH ${JSON.stringify({ date: meta.date, commit: meta.commit, dirty: meta.dirty, smoke: meta.smoke, profiled: meta.profiled, ...record })}`);
  console.log(out.join("\n"));
  return text;
}

/** The report without its JSON lines, as a Markdown fragment for the README's Performance section. */
export function markdownReport(text, meta) {
  return [
    `Measured ${meta.date.slice(0, 10)} on ${meta.cpus} cores, ${meta.mem_gb} GiB, at commit ${meta.commit ?? "?"}` +
      `${meta.dirty ? " with uncommitted changes" : ""}, with:`,
    "",
    "```sh",
    meta.command,
    "```",
    "",
    "```text",
    text.trim(),
    "```",
    "",
  ].join("\n");
}
