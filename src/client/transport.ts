/** What the live view hears from either transport, WebSocket or long-poll. */
export interface LiveHandlers {
  /** Rendered entries ("" when nothing new); `reset`: they are the whole log, so the view starts afresh. */
  news(html: string, nc: number, reset: boolean): void;
  /** A moderator deleted the entry with this anchor. */
  deleted(anchor: string): void;
  /** The number of chatters changed. */
  presence(nc: number): void;
  /** The connection failed; the transport retries after `retryMs`. */
  lost(retryMs: number): void;
  /** The server no longer knows this client (strict login): the transport stops. */
  expired(): void;
  /** The server was redeployed: the transport stops. */
  redeployed(): void;
}

export interface LiveStart {
  pos: number;
  cid: number;
  ver: string;
  holdMs: number;
}

const MIN_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/** Retry delays that double from 1 s to 30 s, jittered so that a room's clients do not return at once. */
export class Backoff {
  private next = MIN_RETRY_MS;

  reset(): void {
    this.next = MIN_RETRY_MS;
  }

  delay(): number {
    const delay = this.next * (0.75 + Math.random() * 0.5);
    this.next = Math.min(this.next * 2, MAX_RETRY_MS);
    return delay;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
