import { read, write } from "./prefs";
import type { LiveView } from "./view";

/**
 * "Where I left off": a divider before the first entry the reader has not
 * seen, that is, the first that arrived while the page was hidden, or since
 * the last visit (the last entry seen is kept per room in local storage).
 */
export class LeftOff {
  private readonly divider: HTMLElement;
  private readonly key: string;
  /** The page was hidden and nothing has arrived since: the next arrival moves the divider. */
  private pending = false;

  constructor(
    private readonly view: LiveView,
    room: string,
  ) {
    this.key = `chaton.seen.${room}`;
    this.divider = document.createElement("h2");
    this.divider.className = "new-divider";
    this.divider.textContent = "New since you left";
    const seen = Number(read(this.key) ?? 0);
    if (seen > 0) {
      const first = view.entries().find((entry) => Number(entry.dataset["seq"]) > seen);
      if (first) first.before(this.divider);
    }
    this.saw();
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.pending = true;
      else this.saw();
    });
  }

  /** The divider, when the page shows one. */
  get shown(): HTMLElement | null {
    return this.divider.isConnected ? this.divider : null;
  }

  private saw(): void {
    const last = this.view.lastSeq;
    if (last > 0) write(this.key, String(last));
  }

  arrived(entries: readonly HTMLElement[]): void {
    if (entries.length === 0) return;
    if (document.visibilityState === "visible") return this.saw();
    if (this.pending) {
      entries[0]!.before(this.divider);
      this.pending = false;
    }
  }
}
