// The post path part by part: asks the parts server (bench/parts/worker.ts,
// the room's own modules in a Durable Object under wrangler dev) to time each
// step of a post, `rounds` times, and keeps each part's median.
import { httpRequest, median, newAgent } from "./load.mjs";

/** The steps done one per request, each against doing nothing: the CPU their commits cost. */
const ONCE = [
  ["store: entry and room state, committed", "store"],
  ["store: entry, state and its own search index, committed", "store-search"],
  ["submit: the whole write path, committed", "submit"],
  ["submit, search index written for 64 posts at once, committed (a post)", "submit-batched"],
  ["submit with a msgid, committed", "submit-msgid"],
];
const ONCE_REQUESTS = 500;

/** The CPU (µs) the server's Worker process spends per request of /parts/once/<op>, over `count` requests one after another. */
async function cpuPerRequest(server, agent, op, count) {
  const before = await server.snapshot();
  for (let i = 0; i < count; i++) {
    const r = await httpRequest(agent, "GET", `${server.url}/parts/once/${op}`);
    if (r.status !== 200) throw new Error(`parts/once/${op}: status ${r.status} ${r.text.slice(0, 200)}`);
  }
  const after = await server.snapshot();
  return (((after.cpuMs.worker ?? 0) - (before.cpuMs.worker ?? 0)) * 1000) / count;
}

export async function postParts(server, { rounds, samples, log }) {
  const agent = newAgent(2);
  try {
    const byPart = new Map();
    let entries = 0;
    for (let round = 1; round <= rounds; round++) {
      const r = await httpRequest(agent, "GET", `${server.url}/parts?samples=${samples}`, { timeoutMs: 120_000 });
      if (r.status !== 200) throw new Error(`parts: status ${r.status} ${r.text.slice(0, 300)}`);
      const reply = JSON.parse(r.text);
      entries = reply.entries;
      for (const t of reply.timings) {
        if (!byPart.has(t.part)) byPart.set(t.part, []);
        byPart.get(t.part).push(...t.us);
      }
      // A request that does nothing, then each step, alternating, so both see the same load.
      for (const [part, op] of ONCE) {
        const nothing = await cpuPerRequest(server, agent, "nothing", ONCE_REQUESTS);
        const step = await cpuPerRequest(server, agent, op, ONCE_REQUESTS);
        if (!byPart.has(part)) byPart.set(part, []);
        byPart.get(part).push(step - nothing);
      }
      log?.(`  parts: round ${round} of ${rounds} (${entries} entries in the log)`);
    }
    return {
      rounds,
      samples,
      entries,
      parts: [...byPart].map(([part, us]) => ({
        part,
        us_median: Math.round(median(us) * 100) / 100,
        us_min: Math.round(Math.min(...us) * 100) / 100,
        samples: us.length,
      })),
    };
  } finally {
    agent.destroy();
  }
}
