/** The number of entries that arrived while the page was not in focus, shown in the window title. */
export class UnreadCounter {
  private unread = 0;

  constructor(private readonly title: string) {
    window.addEventListener("focus", () => this.clear());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && document.hasFocus()) this.clear();
    });
  }

  arrived(count: number): void {
    if (count === 0 || (document.visibilityState === "visible" && document.hasFocus())) return;
    this.unread += count;
    document.title = `[${this.unread}] ${this.title}`;
  }

  private clear(): void {
    this.unread = 0;
    document.title = this.title;
  }
}
