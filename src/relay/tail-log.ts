import type { Entry } from "../protocol/entry";
import type { RelayBatch } from "../protocol/relay";

/** Entries a relay keeps past what its listeners were just told, for the sockets and comet clients a little behind. */
const KEPT = 256;

/**
 * A relay's copy of the end of its room's log: the room's batches, in order,
 * read as the room's own log is (`end`, `since`) by the relay's news encoder.
 * Every entry of the room after `base` up to `end` is here; a listener
 * further behind is covered first (`covers`, then the room's sync).
 */
export class TailLog {
  private entries: Entry[] = [];
  /** Every entry after this position is here; null: none is (the relay just started, or an entry was deleted). */
  private base: number | null = null;
  /** The room's end as this relay's listeners last had it; null: not known (the relay started, or woke from hibernation). */
  private told: number | null = null;

  get end(): number {
    return this.told ?? 0;
  }

  get known(): boolean {
    return this.told !== null;
  }

  /** The listeners here have had the room's entries up to `end`. */
  start(end: number): void {
    this.told = end;
  }

  covers(pos: number): boolean {
    return this.base !== null && pos >= this.base;
  }

  /**
   * Takes a batch of the room's: false when it starts past this end (a batch
   * was missed, so the room must be asked for what came between).
   */
  take(batch: Pick<RelayBatch, "base" | "entries" | "end">): boolean {
    if (this.told === null) throw new Error("A relay's log takes batches once it knows where its listeners are");
    if (batch.base > this.told) return false;
    if (this.base === null || batch.base < this.base) {
      const later = this.entries.filter((entry) => entry.seq > batch.end);
      this.entries = [...batch.entries, ...later];
      this.base = batch.base;
    } else {
      for (const entry of batch.entries) if (entry.seq > this.end) this.entries.push(entry);
    }
    this.told = Math.max(this.told, batch.end);
    return true;
  }

  /** Entries after `pos`, oldest first; `pos` must be covered. */
  since(pos: number): Entry[] {
    if (!this.covers(pos)) throw new Error(`The relay's log does not reach back to ${pos}`);
    const first = this.entries.findIndex((entry) => entry.seq > pos);
    return first < 0 ? [] : this.entries.slice(first);
  }

  /** Keeps the last entries only, once listeners have been told. */
  trim(): void {
    if (this.entries.length <= 2 * KEPT) return;
    this.base = this.entries[this.entries.length - KEPT - 1]!.seq;
    this.entries = this.entries.slice(-KEPT);
  }

  /** An entry was deleted: what is kept is asked for again when needed. */
  forget(): void {
    this.entries = [];
    this.base = null;
  }
}
