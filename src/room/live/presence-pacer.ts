import { PRESENCE_INTERVAL_MS } from "../../protocol/limits";

/**
 * Tells a change of chatters at once if none was told for
 * PRESENCE_INTERVAL_MS, else at the end of that interval, once, when the
 * object's alarm comes (no timer keeps it awake): a crowd joining costs one
 * telling per interval. A count told already is not told again.
 */
export class PresencePacer {
  private lastTold = -1;
  private lastAt = Number.NEGATIVE_INFINITY;
  private pending = false;

  constructor(
    private readonly count: () => number,
    private readonly tell: (nc: number) => void,
    /** Brings the object's one alarm forward to `at` (ms). */
    private readonly wake: (at: number) => void,
  ) {}

  /** The number of chatters may have changed. */
  changed(): void {
    if (this.pending) return;
    const wait = this.lastAt + PRESENCE_INTERVAL_MS - Date.now();
    if (wait <= 0) return this.flush();
    this.pending = true;
    this.wake(Date.now() + wait);
  }

  /** The alarm came: a change held back is told now. */
  due(): void {
    if (!this.pending) return;
    this.pending = false;
    this.flush();
  }

  /** `nc` reached the listeners another way (in an entries frame). */
  toldWith(nc: number): void {
    this.lastTold = nc;
  }

  private flush(): void {
    const nc = this.count();
    this.lastAt = Date.now();
    if (nc === this.lastTold) return;
    this.lastTold = nc;
    this.tell(nc);
  }
}
