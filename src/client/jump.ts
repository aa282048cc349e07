import type { LiveView } from "./view";

/** "Jump to latest": shown when entries arrive while the reader has scrolled up; gone once at the bottom. */
export class JumpButton {
  private unseen = 0;

  constructor(
    private readonly button: HTMLButtonElement,
    readonly view: LiveView,
    viewElement: HTMLElement,
  ) {
    button.addEventListener("click", () => {
      view.scrollToBottom();
      this.hide();
    });
    viewElement.addEventListener("scroll", () => {
      if (!button.hidden && view.atBottom()) this.hide();
    });
  }

  arrived(count: number, followed: boolean): void {
    if (followed || count === 0) return;
    this.unseen += count;
    this.button.textContent = `Jump to latest (${this.unseen} new)`;
    this.button.hidden = false;
  }

  private hide(): void {
    this.unseen = 0;
    this.button.hidden = true;
  }
}
