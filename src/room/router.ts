import { Router, type IRequest } from "itty-router";
import { errorResponse, HttpError } from "../http/errors";
import { notFoundPage } from "../render/pages";
import { apilogin } from "./apilogin";
import { archiveDay, relativeDay } from "./archive-page";
import { feed } from "./feed";
import { comet } from "./comet";
import { dayJson } from "./day-json";
import type { RoomContext } from "./context";
import { roomPage } from "./page";
import { post } from "./poster";
import { stats, statusFile } from "./status";

const methodNotAllowed = (allow: string) => () => {
  throw new HttpError(405, `Method not allowed; use ${allow}`, { Allow: allow });
};

/** The room's endpoints, below /<room>/. */
export const roomRouter = Router<IRequest, [RoomContext]>({ catch: errorResponse })
  .get("/:room/", (_req, room) => roomPage(room))
  .all("/:room/", methodNotAllowed("GET"))
  .get("/:room/comet", (req, room) => comet(room, new URL(req.url)))
  .all("/:room/comet", methodNotAllowed("GET"))
  .get("/:room/ws", (req, room) => room.sockets.accept(room, req))
  .all("/:room/ws", methodNotAllowed("GET"))
  .post("/:room/post", (req, room) => post(room, req))
  .all("/:room/post", methodNotAllowed("POST"))
  .post("/:room/apilogin", (req, room) => apilogin(room, req))
  .all("/:room/apilogin", methodNotAllowed("POST"))
  .get("/:room/var/status.js", (req, room) => statusFile(room, req, "var/status.js"))
  .get("/:room/var/status.scm", (req, room) => statusFile(room, req, "var/status.scm"))
  .get("/:room/var/seq", (req, room) => statusFile(room, req, "var/seq"))
  .all("/:room/var/status.js", methodNotAllowed("GET"))
  .all("/:room/var/status.scm", methodNotAllowed("GET"))
  .all("/:room/var/seq", methodNotAllowed("GET"))
  .get("/:room/var/stats", (_req, room) => stats(room, room.requestsServed()))
  .get("/:room/var/index.rdf", (req, room) => feed(room, req))
  .all("/:room/var/index.rdf", methodNotAllowed("GET"))
  .get("/:room/a/today", (req, room) => relativeDay(room, req, 0))
  .get("/:room/a/yesterday", (req, room) => relativeDay(room, req, 1))
  .get("/:room/a/:y/:m/:d.json", (req, room) => dayJson(room, req.params))
  .get("/:room/a/:y/:m/:d", (req, room) => archiveDay(room, req.params))
  .all("*", (_req, room) => notFoundPage(room.config));
