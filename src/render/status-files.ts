import type { RoomConfig } from "../config";
import { JSON_TYPE, SEXPR_TYPE, TEXT_TYPE } from "../protocol/content-types";
import { alist, writeSexpr } from "../protocol/sexpr";
import { badgeData, badgeScript } from "./badge";
import type { RoomStatus } from "../protocol/status";

export interface StatusView {
  type: string;
  /** Whether other sites' scripts may read it. */
  cors: boolean;
  render(status: RoomStatus, room: RoomConfig, origin: string, nowSec: number): string;
}

/** The files outside pollers read, each rendered from a room's status: the one place they are written. */
export const STATUS_VIEWS: Readonly<Record<string, StatusView>> = {
  "var/status.js": { type: JSON_TYPE, cors: true, render: (status) => JSON.stringify(status) },
  "var/status.scm": {
    type: SEXPR_TYPE,
    cors: false,
    render: (status) => writeSexpr(alist(Object.entries(status))),
  },
  "var/seq": { type: TEXT_TYPE, cors: true, render: (status) => String(status["post-sequence"]) },
  b: {
    type: "text/javascript; charset=utf-8",
    cors: false,
    render: (status, room, origin, nowSec) => badgeScript(badgeData(room, status, origin, nowSec)),
  },
};
