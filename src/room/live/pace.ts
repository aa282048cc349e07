import type { Clock } from "../../clock";
import type { Listener } from "./fanout";

/**
 * How lately the room talked, as its listeners hear it: a listener of the
 * publish path that keeps the time of the last news. Within `windowMs` of a
 * post the room is talking, and holds comet requests inside itself
 * (transports/in-room-holds.ts). A room that just woke has heard nothing.
 */
export class Pace implements Listener {
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {}

  entries(): void {
    this.last = this.clock.now();
  }

  deleted(): void {}

  presence(): void {}

  talking(): boolean {
    return this.msToQuiet() > 0;
  }

  /** How long until the room is quiet, if nobody posts meanwhile: 0 or less when it is. */
  msToQuiet(): number {
    return this.last + this.windowMs - this.clock.now();
  }
}
