import { HttpError } from "../../http/errors";
import { readForm } from "../../http/form";
import { jsonResponse, sexprResponse } from "../../http/responses";
import { alist, writeSexpr } from "../../protocol/sexpr";
import type { RoomConfig } from "../../config";
import { issueCid, type CidIssuer } from "../live/clients";
import type { NewsEncoder } from "../live/news";
import { logEvent } from "../../log";
import { clientAddress } from "../../http/client-address";

/**
 * POST apilogin: gives an API client its client id, the current end of the
 * log and the absolute URIs to use, built from the request's origin.
 */
export async function apilogin(room: CidIssuer & { config: RoomConfig; news: NewsEncoder }, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const form = await readForm(request);
  const who = form.get("who")?.trim();
  if (!who) throw new HttpError(401, "Field who is required");
  const s = form.get("s") ?? url.searchParams.get("s") ?? "1";
  if (s !== "0" && s !== "1") throw new HttpError(400, "Parameter s must be 0 or 1");
  const ip = clientAddress(request);
  const cid = issueCid(room, ip);
  logEvent({ event: "apilogin", room: room.config.name, ip, who: who.slice(0, 200), cid });

  const roomUrl = new URL(`/${room.config.name}/`, url.origin).href;
  const fields = [
    ["post-uri", `${roomUrl}post`],
    ["comet-uri", `${roomUrl}comet`],
    ["icon-uri", new URL(room.config.icon, url.origin).href],
    ["room-name", room.config.title],
    ["cid", cid],
    ["pos", room.news.end],
  ] as const;
  if (s === "0") return jsonResponse(Object.fromEntries(fields));
  return sexprResponse(writeSexpr(alist(fields)));
}
