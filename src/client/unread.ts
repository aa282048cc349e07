/**
 * The number of entries that arrived while the page was not in focus, shown
 * in the window title, with "@" in front when one of them mentions the reader.
 */
export class UnreadCounter {
  private unread = 0;
  private mentioned = false;

  constructor(private readonly title: string) {
    window.addEventListener("focus", () => this.clear());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && document.hasFocus()) this.clear();
    });
  }

  arrived(count: number, mentions: number): void {
    if (count === 0 || (document.visibilityState === "visible" && document.hasFocus())) return;
    this.unread += count;
    this.mentioned ||= mentions > 0;
    document.title = `${this.mentioned ? "@ " : ""}[${this.unread}] ${this.title}`;
  }

  private clear(): void {
    this.unread = 0;
    this.mentioned = false;
    document.title = this.title;
  }
}
