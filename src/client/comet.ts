import type { CometHtmlReply } from "../protocol/wire";
import { Backoff, sleep, type LiveHandlers, type LiveStart } from "./transport";

/**
 * The long-poll loop: asks for what comes after `pos`, and asks again at once
 * after each reply. A failure is retried with back-off.
 */
export async function runComet(start: LiveStart, on: LiveHandlers): Promise<void> {
  let { pos, cid } = start;
  const backoff = new Backoff();
  for (;;) {
    let reply: CometHtmlReply;
    try {
      const response = await fetch(`comet?t=${Date.now()}&p=${pos}&c=${cid}`, {
        cache: "no-store",
        signal: AbortSignal.timeout(start.holdMs + 15_000),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      reply = (await response.json()) as CometHtmlReply;
    } catch {
      const delay = backoff.delay();
      on.lost(delay);
      await sleep(delay);
      continue;
    }
    backoff.reset();
    if (reply.ver !== start.ver) return on.redeployed();
    if (reply.cid === -1) return on.expired();
    // A position behind ours means the log we saw is gone: the reply is the whole current log.
    on.news(reply.content, reply.nc, reply.pos < pos);
    pos = reply.pos;
    cid = reply.cid;
  }
}
