import { OWN_DELETE_WINDOW_MS, type PostAck } from "../protocol/wire";
import { read, write } from "./prefs";

/** anchor -> [permalink, secret, until (ms, this browser's clock)] */
type Grants = Record<string, [string, string, number]>;

/**
 * The reader's own recent posts: the permalink and secret of each post's
 * acknowledgement, kept per room in local storage, give it a Delete button
 * for as long as the server allows an author to delete it.
 */
export class OwnPosts {
  private grants: Grants = {};
  private readonly key: string;

  constructor(
    view: HTMLElement,
    room: string,
    private readonly showError: (message: string | null) => void,
  ) {
    this.key = `chaton.own.${room}`;
    try {
      const now = Date.now();
      for (const [anchor, grant] of Object.entries(JSON.parse(read(this.key) ?? "{}") as Grants)) {
        if (grant[2] > now) this.grants[anchor] = grant;
      }
    } catch {
      // Unreadable: start afresh.
    }
    this.save();
    view.addEventListener("click", (event) => {
      const entry = (event.target as Element).closest(".delete-own")?.closest<HTMLElement>(".entry");
      if (entry) void this.delete(entry);
    });
  }

  private save(): void {
    write(this.key, Object.keys(this.grants).length === 0 ? null : JSON.stringify(this.grants));
  }

  forget(anchor: string): void {
    if (!(anchor in this.grants)) return;
    delete this.grants[anchor];
    this.save();
  }

  /** Keeps the grant of a post just acknowledged. */
  remember(ack: PostAck): void {
    const anchor = ack.permalink?.split("#")[1];
    if (anchor === undefined || ack.secret === undefined) return;
    this.grants[anchor] = [ack.permalink!, ack.secret, Date.now() + OWN_DELETE_WINDOW_MS];
    this.save();
    const entry = document.getElementById(anchor);
    if (entry) this.mark([entry]);
  }

  /** Gives each of `entries` that is the reader's own, and still young enough, a Delete button. */
  mark(entries: Iterable<HTMLElement>): void {
    for (const entry of entries) {
      const grant = this.grants[entry.id];
      if (grant === undefined || entry.querySelector(".delete-own")) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "delete-own";
      button.textContent = "Delete";
      button.setAttribute("aria-label", "Delete your message");
      entry.querySelector(".entry-body")?.append(button);
      setTimeout(() => {
        button.remove();
        this.forget(entry.id);
      }, grant[2] - Date.now());
    }
  }

  private async delete(entry: HTMLElement): Promise<void> {
    const grant = this.grants[entry.id];
    if (grant === undefined || !confirm("Delete your post?")) return;
    try {
      const response = await fetch("delete", {
        method: "POST",
        body: new URLSearchParams({ permalink: grant[0], secret: grant[1] }),
        headers: { Accept: "application/json" },
      });
      // 404: deleted already (by a moderator, or from another tab).
      if (!response.ok && response.status !== 404) throw new Error((await response.text()).trim() || `The server answered ${response.status}.`);
      entry.remove();
      this.forget(entry.id);
      this.showError(null);
    } catch (error) {
      this.showError(`Not deleted: ${error instanceof TypeError ? "Could not reach the server." : (error as Error).message}`);
    }
  }
}
