/** Retry delays: doubling from a minimum to a maximum, jittered so that a room's clients do not all return at once. */

export interface BackoffOptions {
  /** The first delay (default 1 s). */
  minMs?: number;
  /** No delay is longer than this, jitter included (default 30 s). */
  maxMs?: number;
  /** Each delay is the nominal one times 1 ± jitter (default 0.25). */
  jitter?: number;
  /** A source of numbers in [0, 1), for tests. */
  random?: () => number;
}

export class Backoff {
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private nominal: number;

  constructor(options: BackoffOptions = {}) {
    this.minMs = options.minMs ?? 1_000;
    this.maxMs = options.maxMs ?? 30_000;
    this.jitter = options.jitter ?? 0.25;
    this.random = options.random ?? Math.random;
    this.nominal = this.minMs;
  }

  /** Back to the shortest delay, after a success. */
  reset(): void {
    this.nominal = this.minMs;
  }

  /** The next delay in milliseconds. */
  next(): number {
    const factor = 1 - this.jitter + 2 * this.jitter * this.random();
    const delay = Math.min(this.nominal * factor, this.maxMs);
    this.nominal = Math.min(this.nominal * 2, this.maxMs);
    return Math.round(delay);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
