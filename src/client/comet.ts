import type { CometHtmlReply } from "../protocol/wire";

export interface CometHandlers {
  /** A reply arrived; its content is rendered entries ("" for a ping). */
  reply(reply: CometHtmlReply, reset: boolean): void;
  /** The request failed; the loop retries after `retryMs`. */
  lost(retryMs: number): void;
  /** The server no longer knows this client (strict login): the loop stops. */
  expired(): void;
  /** The server was redeployed: the loop stops. */
  redeployed(): void;
}

const MIN_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The long-poll loop: asks for what comes after `pos`, and asks again at once
 * after each reply. A failure is retried with a growing, jittered delay.
 */
export async function runComet(start: { pos: number; cid: number; ver: string; holdMs: number }, on: CometHandlers): Promise<void> {
  let { pos, cid } = start;
  let retryMs = MIN_RETRY_MS;
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
      const delay = retryMs * (0.75 + Math.random() * 0.5);
      on.lost(delay);
      await sleep(delay);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      continue;
    }
    retryMs = MIN_RETRY_MS;
    if (reply.ver !== start.ver) return on.redeployed();
    if (reply.cid === -1) return on.expired();
    // A position behind ours means the log we saw is gone: the reply is the whole current log.
    on.reply(reply, reply.pos < pos);
    pos = reply.pos;
    cid = reply.cid;
  }
}
