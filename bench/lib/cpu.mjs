// The CPU each kind of request costs, measured under wrangler dev: N requests
// of one kind, one after another, and the CPU time the workerd that runs the
// Worker and the rooms spent meanwhile (/proc, 10 ms ticks), per request.
// That process runs the Worker and the room's object together, so a figure is
// an upper bound of the Worker's own share, which is what the Free plan caps
// at 10 ms a request (an object's CPU has its own, far larger limit).
import { FORM, httpRequest, newAgent } from "./load.mjs";

/** The Free plan's CPU time per Worker request. */
export const FREE_CPU_MS = 10;

/** A day of `n` entries as the import tool sends it. */
function importBatch(day, n) {
  const [y, m, d] = day.split("/").map(Number);
  const start = Date.UTC(y, m - 1, d) / 1000;
  const entries = Array.from({ length: n }, (_, i) => [0, `nick${i % 17}`, start + 30 + i * 2, i, `imported line ${i} of a day, with some words in it`, ""]);
  return JSON.stringify({ kind: "days", archivesOnly: false, days: [{ day, entries }] });
}

/**
 * The kinds measured: what each request is, how many, and the request. Run
 * against the room "lobby" of `server` (the admin token `adminToken`).
 */
function kinds(server, adminToken, state) {
  const lobby = `${server.url}/lobby`;
  const admin = { Authorization: `Bearer ${adminToken}` };
  const today = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
  return [
    // First, while the room has no posts of its own (it takes imported days only then).
    {
      kind: "import batch, a day of 1,000 entries",
      n: 20,
      send: (agent, i) =>
        httpRequest(agent, "POST", `${lobby}/admin/import`, {
          body: importBatch(`2001/01/${String((i % 28) + 1).padStart(2, "0")}`, 1_000),
          headers: { ...admin, "Content-Type": "application/json" },
          timeoutMs: 60_000,
        }),
    },
    {
      kind: "import batch, 5,000 entries (the tool's default)",
      n: 5,
      send: (agent, i) =>
        httpRequest(agent, "POST", `${lobby}/admin/import`, {
          body: importBatch(`2002/02/${String(i + 1).padStart(2, "0")}`, 5_000),
          headers: { ...admin, "Content-Type": "application/json" },
          timeoutMs: 60_000,
        }),
    },
    { kind: "room page (GET /lobby/)", n: 200, send: (agent) => httpRequest(agent, "GET", `${lobby}/`) },
    { kind: "status file from the Worker's memo", n: 500, send: (agent) => httpRequest(agent, "GET", `${lobby}/var/status.js`) },
    { kind: "post", n: 200, send: (agent, i) => httpRequest(agent, "POST", `${lobby}/post`, { body: `nick=cpu&text=measured+post+${i}`, headers: FORM }) },
    { kind: "apilogin", n: 200, send: (agent, i) => httpRequest(agent, "POST", `${lobby}/apilogin`, { body: `who=cpu${i}&s=0`, headers: FORM }) },
    {
      kind: "comet answered at once (behind the end)",
      n: 200,
      send: (agent) => httpRequest(agent, "GET", `${lobby}/comet?p=0&c=${state.cid}&s=0`),
    },
    { kind: "RSS (var/index.rdf)", n: 100, send: (agent) => httpRequest(agent, "GET", `${lobby}/var/index.rdf`) },
    { kind: "today's archive page", n: 100, send: (agent) => httpRequest(agent, "GET", `${lobby}/a/${today}`) },
    { kind: "search (JSON)", n: 100, send: (agent) => httpRequest(agent, "GET", `${lobby}/search?q=measured&format=json`) },
  ];
}

/** Each kind in turn: ms of CPU per request, and whether that passes the Free plan's 10 ms. `scale` shrinks every N (the smoke run's tenth). */
export async function cpuPerKind(server, { adminToken, log, scale = 1 }) {
  const agent = newAgent(4);
  try {
    const state = { cid: 0 };
    const rows = [];
    for (const { kind, n: full, send } of kinds(server, adminToken, state)) {
      const n = Math.max(1, Math.round(full * scale));
      if (kind === "post") {
        // Something for the comet, RSS, archive and search requests to read, and a client id.
        for (let i = 0; i < 50; i++) await httpRequest(agent, "POST", `${server.url}/lobby/post`, { body: `nick=seed&text=measured+seed+${i}`, headers: FORM });
        const login = await httpRequest(agent, "POST", `${server.url}/lobby/apilogin`, { body: "who=cpu&s=0", headers: FORM });
        state.cid = JSON.parse(login.text).cid;
      }
      await send(agent, 0);
      const before = await server.snapshot();
      const statuses = {};
      for (let i = 1; i <= n; i++) {
        const r = await send(agent, i);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
      const after = await server.snapshot();
      const msPerRequest = ((after.cpuMs.worker ?? 0) - (before.cpuMs.worker ?? 0)) / n;
      rows.push({ kind, n, statuses, cpu_ms_per_request: Math.round(msPerRequest * 100) / 100, over_free: msPerRequest > FREE_CPU_MS });
      log(`  ${kind}: ${msPerRequest.toFixed(2)} ms per request (${n})`);
    }
    return { kinds: rows, free_cpu_ms: FREE_CPU_MS };
  } finally {
    agent.destroy();
  }
}
