/** The live view: entries appended in order, times in the reader's zone, images that expand. */

const timeFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** Shows every timestamp under `root` in the reader's own time zone. */
export function localizeTimes(root: ParentNode): void {
  for (const time of root.querySelectorAll<HTMLTimeElement>("time.timestamp")) {
    const date = new Date(time.dateTime);
    if (!Number.isNaN(date.getTime())) {
      time.textContent = timeFormat.format(date);
      time.title = date.toISOString();
    }
  }
}

export class LiveView {
  constructor(private readonly element: HTMLElement) {
    localizeTimes(element);
    element.addEventListener("click", (event) => this.toggleImage(event));
  }

  /** The sequence number of the last entry shown, 0 when none. */
  get lastSeq(): number {
    const last = this.element.querySelector<HTMLElement>(".entry:last-of-type");
    return last ? Number(last.dataset["seq"]) : 0;
  }

  /** Every entry shown, oldest first. */
  entries(): HTMLElement[] {
    return [...this.element.querySelectorAll<HTMLElement>(".entry")];
  }

  atBottom(): boolean {
    const { scrollHeight, scrollTop, clientHeight } = this.element;
    return scrollHeight - scrollTop - clientHeight < 8;
  }

  scrollToBottom(): void {
    this.element.scrollTop = this.element.scrollHeight;
  }

  clear(): void {
    this.element.replaceChildren();
  }

  /** Removes an entry a moderator or its author deleted. */
  remove(anchor: string): void {
    this.element.querySelector(`#${CSS.escape(anchor)}`)?.remove();
  }

  /** Brings an entry into view, marked and focused (a notification was clicked, or the URL names it). */
  reveal(anchor: string): boolean {
    const entry = anchor === "" ? null : this.element.querySelector<HTMLElement>(`#${CSS.escape(anchor)}`);
    if (entry === null) return false;
    for (const old of this.element.querySelectorAll(".entry.highlighted")) old.classList.remove("highlighted");
    entry.classList.add("highlighted");
    entry.tabIndex = -1;
    entry.scrollIntoView({ block: "center" });
    entry.focus({ preventScroll: true });
    return true;
  }

  /**
   * Appends rendered entries (markup made and escaped by the server), skipping
   * any already shown, and follows them only if the reader was at the bottom.
   * Returns the entries added, and whether the view followed them.
   */
  append(markup: string): { added: HTMLElement[]; followed: boolean } {
    if (markup === "") return { added: [], followed: true };
    const follow = this.atBottom();
    const template = document.createElement("template");
    template.innerHTML = markup;
    for (const deleted of [...template.content.querySelectorAll<HTMLTemplateElement>("template.deleted")]) {
      this.remove(deleted.dataset["anchor"] ?? "");
      deleted.remove();
    }
    const lastSeq = this.lastSeq;
    const added: HTMLElement[] = [];
    for (const entry of [...template.content.querySelectorAll<HTMLElement>(".entry")]) {
      if (Number(entry.dataset["seq"]) <= lastSeq) entry.remove();
      else added.push(entry);
    }
    localizeTimes(template.content);
    this.element.append(template.content);
    if (follow) this.scrollToBottom();
    return { added, followed: follow };
  }

  /** A click on an inline image shows it at full size, and again shrinks it. */
  private toggleImage(event: MouseEvent): void {
    const target = event.target;
    if (!(target instanceof HTMLImageElement) || !target.classList.contains("inline-image")) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    target.classList.toggle("expanded");
  }
}
