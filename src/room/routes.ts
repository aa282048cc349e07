import type { RoomConfig } from "../config";
import { clientAddress } from "../http/client-address";
import { methodNotAllowed } from "../http/errors";
import { notFoundPage } from "../render/pages";
import { deleteOwnPost } from "./access/own-delete";
import type { ModerationRoom } from "./access/moderation";
import { dayJson } from "./archive/day-json";
import { incomingHook, type HookRoom } from "./hooks/incoming";
import { archiveDay, relativeDay, type DayPageRoom } from "./archive/day-page";
import type { Admission } from "./posting/admission";
import type { AuthorSecrets } from "./posting/author-secrets";
import type { RoomSearch } from "./search/room-search";
import { searchRoute } from "./search/route";
import { post } from "./posting/poster";
import type { WritePath } from "./posting/write-path";
import type { CurrentLog } from "./storage/current-log";
import { apilogin } from "./transports/apilogin";
import { comet, type CometRoom } from "./transports/comet";
import type { Sockets } from "./transports/sockets";
import type { RelayHub } from "./live/relays";
import { feed } from "./views/feed";
import { roomPage, type PageRoom } from "./views/room-page";
import { stats, statusFile } from "./views/status";

/** What the room's endpoints work with; each handler takes only its part. */
export interface RoomView extends CometRoom, PageRoom, DayPageRoom, ModerationRoom, HookRoom {
  admission: Admission;
  authorSecrets: AuthorSecrets;
  search: RoomSearch;
  config: RoomConfig;
  log: CurrentLog;
  sockets: Sockets;
  relays: RelayHub;
  writePath: WritePath;
  /** Requests the room's object has answered since it started. */
  requestsServed(): number;
}

type Handler = (request: Request, url: URL, room: RoomView) => Response | Promise<Response>;

/** The room's endpoints by their path below /<room>/, and method. */
const ROUTES: Readonly<Record<string, Readonly<Partial<Record<"GET" | "POST", Handler>>>>> = {
  "": { GET: (req, _url, room) => roomPage(room, clientAddress(req)) },
  comet: { GET: (req, url, room) => comet(room, req, url, clientAddress(req)) },
  // Past the room's listeners_per_object, a new socket goes to a relay (live/relays.ts).
  ws: { GET: (req, url, room) => room.relays.handOff() ?? room.sockets.accept(req, url) },
  post: { POST: (req, _url, room) => post(room, req) },
  delete: { POST: (req, _url, room) => deleteOwnPost(room, req) },
  apilogin: { POST: (req, _url, room) => apilogin(room, req) },
  "var/status.js": { GET: (_req, url, room) => statusFile(room, url, "var/status.js") },
  "var/status.scm": { GET: (_req, url, room) => statusFile(room, url, "var/status.scm") },
  "var/seq": { GET: (_req, url, room) => statusFile(room, url, "var/seq") },
  "var/stats": { GET: (_req, _url, room) => stats(room, room.requestsServed()) },
  "var/index.rdf": { GET: (_req, url, room) => feed(room, url) },
  search: { GET: (req, url, room) => searchRoute(room, req, url) },
  "a/today": { GET: (_req, url, room) => relativeDay(room, url, 0) },
  "a/yesterday": { GET: (_req, url, room) => relativeDay(room, url, 1) },
};

const ARCHIVE_DAY = /^a\/([^/]+)\/([^/]+)\/([^/.]+)(\.json)?$/;
const INCOMING_HOOK = /^hooks\/([^/]+)\/([^/]+)$/;

/** Answers a request below /<room>/: `rest` is the path after it. */
export function routeInRoom(request: Request, url: URL, rest: string, room: RoomView): Response | Promise<Response> {
  const route = ROUTES[rest];
  if (route !== undefined) {
    const handler = route[request.method as "GET" | "POST"];
    if (handler === undefined) throw methodNotAllowed(Object.keys(route).join(", "));
    return handler(request, url, room);
  }
  const hook = INCOMING_HOOK.exec(rest);
  if (hook !== null) {
    if (request.method !== "POST") throw methodNotAllowed("POST");
    return incomingHook(room, request, hook[1]!, hook[2]!);
  }
  const day = ARCHIVE_DAY.exec(rest);
  if (day !== null && request.method === "GET") {
    const date = { y: day[1], m: day[2], d: day[3] };
    return day[4] === undefined ? archiveDay(room, date) : dayJson(room, date);
  }
  return notFoundPage(room.config);
}
