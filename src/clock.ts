/**
 * The one clock seam: everything that reads the time for entries and client
 * presence asks a Clock, so tests can move time forward.
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
