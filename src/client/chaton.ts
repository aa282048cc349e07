import type { RoomPageData } from "../protocol/wire";
import { runComet } from "./comet";
import { JumpButton } from "./jump";
import { LeftOff } from "./left-off";
import { Mentions } from "./mentions";
import { Notifier } from "./notify";
import { OwnPosts } from "./own-posts";
import { PostForm } from "./poster";
import { runSocket } from "./socket";
import { connectedText, EXPIRED_TEXT, LOST_TEXT, StatusLine } from "./status";
import type { LiveHandlers, LiveStart } from "./transport";
import { UnreadCounter } from "./unread";
import { LiveView } from "./view";

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const root = $(".room");
const data = root.dataset as unknown as RoomPageData;
const viewElement = $("#view");
const view = new LiveView(viewElement);
const status = new StatusLine($("#status"));
const unread = new UnreadCounter(data.title);
const own = new OwnPosts(viewElement, data.room, (message) => form.showError(message));
const form = new PostForm($<HTMLFormElement>("#post-form"), (ack) => own.remember(ack));
const mentions = new Mentions($<HTMLInputElement>("#nick"), $<HTMLInputElement>("#watch-words"), () => mentions.mark(view.entries()));
const notifier = new Notifier($<HTMLInputElement>("#notify"), $("#notify-state"), data.title, (anchor) => view.reveal(anchor));
const jump = new JumpButton($<HTMLButtonElement>("#jump"), view, viewElement);
const dayArchive = $<HTMLAnchorElement>("#day-archive");

const shown = view.entries();
mentions.mark(shown);
own.mark(shown);
const leftOff = new LeftOff(view, data.room);
// Opened at an entry (a notification's click with no page open), at where the reader left off, or at the newest.
if (!view.reveal(location.hash.slice(1))) {
  view.scrollToBottom();
  leftOff.shown?.scrollIntoView({ block: "start" });
}
status.show(connectedText(Number(data.nc)), "connected");

const handlers: LiveHandlers = {
  news(html, nc, reset) {
    if (reset) view.clear();
    const { added, followed } = view.append(html);
    const mentioned = mentions.mark(added);
    own.mark(added);
    leftOff.arrived(added);
    jump.arrived(added.length, followed);
    unread.arrived(added.length, mentioned.length);
    if (!reset) void notifier.mentioned(mentioned);
    // The archive link follows the day of the newest entry.
    const newest = added.at(-1)?.querySelector<HTMLAnchorElement>(".permalink");
    if (newest) dayArchive.href = newest.href.split("#")[0]!;
    status.show(connectedText(nc), "connected");
  },
  deleted(anchor) {
    view.remove(anchor);
    own.forget(anchor);
  },
  presence(nc) {
    status.show(connectedText(nc), "connected");
  },
  lost() {
    status.show(LOST_TEXT, "lost");
  },
  expired() {
    status.show(EXPIRED_TEXT, "expired");
  },
  redeployed() {
    location.reload();
  },
};

/** The transport the page uses: the WebSocket, unless it cannot be had or ?transport=longpoll asks otherwise. */
async function live(start: LiveStart): Promise<void> {
  const longPollOnly = new URLSearchParams(location.search).get("transport") === "longpoll" || typeof WebSocket === "undefined";
  root.dataset["transport"] = longPollOnly ? "longpoll" : "websocket";
  if (!longPollOnly) {
    const end = await runSocket(start, data.room, handlers);
    if (!end.fallback) return;
    root.dataset["transport"] = "longpoll";
    start = { ...start, pos: end.pos };
  }
  await runComet(start, handlers);
}

void live({ pos: Number(data.pos), cid: Number(data.cid), ver: data.ver, holdMs: Number(data.hold) });
