/**
 * The room's clock seam: what a room records and limits by time (entry
 * timestamps, client ids, rate limits, delete windows, the archiver's days)
 * reads a Clock, so tests can move time forward. Timers and caches use the
 * runtime's clock.
 */
export class Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves this clock forward (tests only). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
