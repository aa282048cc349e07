// The post path part by part: asks the parts server (bench/parts/worker.ts,
// the room's own modules in a Durable Object under wrangler dev) to time each
// step of a post, `rounds` times, and keeps each part's median.
import { httpRequest, newAgent } from "./load.mjs";

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

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
      log?.(`  parts: round ${round} of ${rounds} (${entries} entries in the log)`);
    }
    return {
      rounds,
      samples,
      entries,
      parts: [...byPart].map(([part, us]) => ({ part, us_median: Math.round(median(us) * 100) / 100, us_min: Math.round(Math.min(...us) * 100) / 100, samples: us.length })),
    };
  } finally {
    agent.destroy();
  }
}
