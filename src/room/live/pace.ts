import type { Clock } from "../../clock";
import { COMET_IN_ROOM_AFTER_POST_MS } from "../../protocol/limits";
import type { Listener } from "./fanout";

/**
 * How fast the room talks, as its listeners hear it: a listener of the
 * publish path that keeps the times of the last two news. A room whose last
 * two posts came within COMET_IN_ROOM_AFTER_POST_MS of each other, the last
 * that recently, is talking: it is awake for its posts anyway, so a request
 * held inside it costs nothing more. A room that just woke has heard nothing.
 */
export class Pace implements Listener {
  private last = Number.NEGATIVE_INFINITY;
  private before = Number.NEGATIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  entries(): void {
    this.before = this.last;
    this.last = this.clock.now();
  }

  deleted(): void {}

  presence(): void {}

  talking(): boolean {
    return this.clock.now() - this.last < COMET_IN_ROOM_AFTER_POST_MS && this.last - this.before < COMET_IN_ROOM_AFTER_POST_MS;
  }
}
