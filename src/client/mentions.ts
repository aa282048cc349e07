import { prefs } from "./prefs";

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The nickname of an entry: its own header's, or that of the entry that began its group. */
export function nickOf(entry: Element | null): string {
  for (; entry !== null; entry = entry.previousElementSibling) {
    const chatter = entry.querySelector(".entry-header .chatter");
    if (chatter !== null) return chatter.textContent ?? "";
  }
  return "";
}

/**
 * Mentions: entries whose text holds the reader's nickname or one of the
 * words listed in the settings, not counting the reader's own. A word matches
 * whole where it has ASCII letters at its edges (so "al" is not in "salt"),
 * and anywhere in text without spaces between words, as in Japanese.
 */
export class Mentions {
  private pattern: RegExp | null = null;

  constructor(
    private readonly nick: HTMLInputElement,
    private readonly words: HTMLInputElement,
    readonly onChange: () => void,
  ) {
    words.value = prefs.watchWords();
    this.update();
    const changed = () => {
      prefs.setWatchWords(words.value);
      this.update();
      onChange();
    };
    words.addEventListener("change", changed);
    nick.addEventListener("change", () => {
      this.update();
      onChange();
    });
  }

  private update(): void {
    const words = [this.nick.value, ...this.words.value.split(",")].map((w) => w.trim()).filter((w) => w !== "");
    this.pattern = words.length === 0 ? null : new RegExp(`(?<![A-Za-z0-9_])(?:${words.map(escapeRegExp).join("|")})(?![A-Za-z0-9_])`, "iu");
  }

  /** Marks each of `entries` that mentions the reader (and unmarks the others); returns those marked. */
  mark(entries: Iterable<HTMLElement>): HTMLElement[] {
    const me = this.nick.value.trim().toLowerCase();
    const marked: HTMLElement[] = [];
    for (const entry of entries) {
      const text = entry.querySelector(".entry-text")?.textContent ?? "";
      const mention = this.pattern?.test(text) && nickOf(entry).toLowerCase() !== me;
      entry.classList.toggle("mention", mention);
      if (mention) marked.push(entry);
    }
    return marked;
  }
}
