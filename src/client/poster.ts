import type { PostAck } from "../protocol/wire";
import { prefs } from "./prefs";

/** The post form: nickname, text, "remember me" and "Return key posts". */
export class PostForm {
  private readonly nick: HTMLInputElement;
  private readonly text: HTMLTextAreaElement;
  private readonly remember: HTMLInputElement;
  private readonly returnPosts: HTMLInputElement;
  private readonly error: HTMLElement;
  private readonly fieldset: HTMLFieldSetElement;

  constructor(
    readonly form: HTMLFormElement,
    private readonly onPosted: (ack: PostAck) => void,
  ) {
    this.nick = form.querySelector("#nick")!;
    this.text = form.querySelector("#text")!;
    this.remember = form.querySelector("#remember")!;
    this.returnPosts = form.querySelector("#return-posts")!;
    this.error = form.querySelector("#post-error")!;
    this.fieldset = form.querySelector("fieldset")!;

    const remembered = prefs.rememberedNick();
    if (remembered !== null) {
      this.nick.value = remembered;
      this.remember.checked = true;
    }
    this.returnPosts.checked = prefs.returnPosts();

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.send();
    });
    this.text.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.shiftKey || event.isComposing || !this.returnPosts.checked) return;
      event.preventDefault();
      form.requestSubmit();
    });
    this.remember.addEventListener("change", () => this.saveNick());
    this.nick.addEventListener("change", () => this.saveNick());
    this.returnPosts.addEventListener("change", () => prefs.setReturnPosts(this.returnPosts.checked));
  }

  private saveNick(): void {
    prefs.rememberNick(this.remember.checked ? this.nick.value.trim() : null);
  }

  showError(message: string | null): void {
    this.error.hidden = message === null;
    this.error.textContent = message ?? "";
  }

  private async send(): Promise<void> {
    if (this.fieldset.disabled) return;
    if (this.nick.value.trim() === "") {
      this.showError("Please enter a nickname.");
      this.nick.focus();
      return;
    }
    if (this.text.value.trim() === "") return;
    this.saveNick();
    const body = new URLSearchParams({ nick: this.nick.value, text: this.text.value });
    this.fieldset.disabled = true;
    try {
      const response = await fetch("post", { method: "POST", body, headers: { Accept: "application/json" } });
      if (!response.ok) {
        const reason = (await response.text()).trim();
        throw new Error(reason || `The server answered ${response.status}.`);
      }
      this.onPosted((await response.json()) as PostAck);
      this.text.value = "";
      this.showError(null);
    } catch (error) {
      const message = error instanceof TypeError ? "Could not reach the server." : (error as Error).message;
      this.showError(`Not posted: ${message}`);
    } finally {
      this.fieldset.disabled = false;
      this.text.focus();
    }
  }
}
