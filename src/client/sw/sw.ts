/**
 * The site's service worker. It only shows and answers notifications: phones'
 * browsers show a page's notifications only through a service worker, and a
 * click must bring the room forward at the entry. It has no fetch handler, so
 * it never answers a request: every page and script comes from the network,
 * and a deploy's new `ver` reaches pages as before.
 */
import type { NotificationData } from "../notify-data";

declare const self: ServiceWorkerGlobalScope;

self.addEventListener("install", () => void self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const { room, anchor } = event.notification.data as NotificationData;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const page = windows.find((client) => new URL(client.url).pathname === room);
      if (page === undefined) {
        await self.clients.openWindow(`${room}#${anchor}`);
        return;
      }
      page.postMessage({ type: "show-entry", anchor } satisfies ShowEntry);
      await page.focus();
    })(),
  );
});

interface ShowEntry {
  type: "show-entry";
  anchor: string;
}
