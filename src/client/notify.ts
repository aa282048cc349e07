import type { NotificationData } from "./notify-data";
import { nickOf } from "./mentions";
import { prefs } from "./prefs";

const SERVICE_WORKER = "/chaton-sw.js";

/**
 * Browser notifications of mentions while the page is hidden. Permission is
 * asked only when the reader turns them on in the settings, never on load.
 * They are shown through the site's service worker where there is one (phones
 * show them no other way), and its click brings the page forward at the entry.
 */
export class Notifier {
  constructor(
    private readonly toggle: HTMLInputElement,
    private readonly state: HTMLElement,
    private readonly title: string,
    private readonly onShow: (anchor: string) => void,
  ) {
    toggle.checked = prefs.notify() && this.permission() === "granted";
    if (toggle.checked) void this.register();
    toggle.addEventListener("change", () => void this.turn(toggle.checked));
    navigator.serviceWorker?.addEventListener("message", (event) => {
      const data = event.data as { type?: string; anchor?: string };
      if (data.type === "show-entry" && data.anchor) this.onShow(data.anchor);
    });
  }

  private permission(): NotificationPermission | "unsupported" {
    return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
  }

  private register(): Promise<unknown> {
    return navigator.serviceWorker?.register(SERVICE_WORKER).catch(() => null) ?? Promise.resolve(null);
  }

  private async turn(on: boolean): Promise<void> {
    let message = "";
    if (on && this.permission() === "unsupported") message = "This browser cannot show notifications.";
    else if (on && (await Notification.requestPermission()) !== "granted") message = "Notifications are blocked for this site in the browser's settings.";
    else if (on) await this.register();
    this.toggle.checked = on && message === "";
    prefs.setNotify(this.toggle.checked);
    this.state.textContent = message;
  }

  /** Notifies of mentions, if on and the page is hidden. */
  async mentioned(entries: readonly HTMLElement[]): Promise<void> {
    if (!this.toggle.checked || document.visibilityState !== "hidden" || this.permission() !== "granted") return;
    const worker = await navigator.serviceWorker?.getRegistration();
    for (const entry of entries) {
      const data: NotificationData = { room: location.pathname, anchor: entry.id };
      const options: NotificationOptions = {
        body: (entry.querySelector(".entry-text")?.textContent ?? "").slice(0, 200),
        tag: entry.id,
        icon: "/icons/icon-192.png",
        data,
      };
      const title = `${nickOf(entry)} in ${this.title}`;
      if (worker) await worker.showNotification(title, options);
      else
        new Notification(title, options).onclick = () => {
          window.focus();
          this.onShow(entry.id);
        };
    }
  }
}
