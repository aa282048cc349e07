import type { RoomPageData } from "../protocol/wire";
import { runComet } from "./comet";
import { PostForm } from "./poster";
import { runSocket } from "./socket";
import { connectedText, EXPIRED_TEXT, LOST_TEXT, StatusLine } from "./status";
import type { LiveHandlers, LiveStart } from "./transport";
import { UnreadCounter } from "./unread";
import { LiveView } from "./view";

const root = document.querySelector<HTMLElement>(".room")!;
const data = root.dataset as unknown as RoomPageData;
const view = new LiveView(document.querySelector<HTMLElement>("#view")!);
const status = new StatusLine(document.querySelector<HTMLElement>("#status")!);
const unread = new UnreadCounter(data.title);
new PostForm(document.querySelector<HTMLFormElement>("#post-form")!);

view.scrollToBottom();
status.show(connectedText(Number(data.nc)), "connected");

const handlers: LiveHandlers = {
  news(html, nc, reset) {
    if (reset) view.clear();
    unread.arrived(view.append(html));
    status.show(connectedText(nc), "connected");
  },
  deleted(anchor) {
    view.remove(anchor);
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
