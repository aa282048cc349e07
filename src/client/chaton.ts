import type { RoomPageData } from "../protocol/wire";
import { runComet } from "./comet";
import { PostForm } from "./poster";
import { connectedText, EXPIRED_TEXT, LOST_TEXT, StatusLine } from "./status";
import { UnreadCounter } from "./unread";
import { LiveView } from "./view";

const data = document.querySelector<HTMLElement>(".room")!.dataset as unknown as RoomPageData;
const view = new LiveView(document.querySelector<HTMLElement>("#view")!);
const status = new StatusLine(document.querySelector<HTMLElement>("#status")!);
const unread = new UnreadCounter(data.title);
new PostForm(document.querySelector<HTMLFormElement>("#post-form")!);

view.scrollToBottom();
status.show(connectedText(Number(data.nc)), "connected");

void runComet(
  { pos: Number(data.pos), cid: Number(data.cid), ver: data.ver, holdMs: Number(data.hold) },
  {
    reply(reply, reset) {
      if (reset) view.clear();
      unread.arrived(view.append(reply.content));
      status.show(connectedText(reply.nc), "connected");
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
  },
);
