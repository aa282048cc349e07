/**
 * The room's clock seam: what a room records and limits by time (entry
 * timestamps, client ids, rate limits, delete windows, the archiver's days)
 * reads a Clock, so tests can move time forward, or run it faster against a
 * real server (CLOCK_RATE). Timers and caches use the runtime's clock.
 */
export class Clock {
  private offsetMs = 0;
  private readonly startedAt = Date.now();

  /** `rate`: how many of this clock's milliseconds pass in one real one (1 but in tests). */
  constructor(private readonly rate = 1) {}

  now(): number {
    const real = Date.now();
    return real + (real - this.startedAt) * (this.rate - 1) + this.offsetMs;
  }

  /** Moves this clock forward (tests only). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
