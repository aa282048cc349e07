/** The status line under the view. */

export function connectedText(nc: number): string {
  return `Connected (${nc} ${nc === 1 ? "user" : "users"} chatting)`;
}

export const LOST_TEXT = "Connection Lost. Retrying...";
export const EXPIRED_TEXT = "Session Expired. Please Reload.";

export class StatusLine {
  constructor(private readonly element: HTMLElement) {}

  show(text: string, state: "connected" | "lost" | "expired"): void {
    if (this.element.textContent !== text) this.element.textContent = text;
    this.element.dataset["state"] = state;
  }
}
