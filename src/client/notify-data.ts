/** What a mention's notification carries, for the service worker's click (src/client/sw/sw.ts). */
export interface NotificationData {
  /** The room page's path, e.g. /lobby/ */
  room: string;
  /** The entry's anchor: the page scrolls to it. */
  anchor: string;
}
