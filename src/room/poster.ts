import { HttpError } from "../http/errors";
import { readForm } from "../http/form";
import { integerParam } from "../http/params";
import { cleanPost, type Entry } from "../protocol/entry";
import { alist, writeSexpr } from "../protocol/sexpr";
import { publish } from "./publish";
import type { RoomContext } from "./context";

/** The address a request came from, as the Workers runtime reports it. */
export function clientAddress(request: Request): string {
  return request.headers.get("CF-Connecting-IP") ?? "unknown";
}

/**
 * The acknowledgement of a post. Browsers asking for JSON get the position;
 * the S-expression reply is for API clients; anything else gets the original's
 * short empty page, which Scheme's `read` takes as a symbol.
 */
function acknowledge(request: Request, entry: Entry | null, end: number): Response {
  const accept = request.headers.get("Accept") ?? "";
  const headers = { "Cache-Control": "no-cache" };
  if (accept.includes("application/json")) {
    return Response.json({ stored: entry !== null, pos: entry?.seq ?? end }, { headers });
  }
  if (accept.includes("application/x-sexpr")) {
    const body = writeSexpr(alist([["stored", entry !== null ? 1 : 0], ["pos", entry?.seq ?? end]]));
    return new Response(body, { headers: { ...headers, "Content-Type": "application/x-sexpr; charset=utf-8" } });
  }
  return new Response("<html></html>", { headers: { ...headers, "Content-Type": "text/html; charset=utf-8" } });
}

/**
 * POST post: stores the entry (or nothing, when nick or text is empty once
 * cleaned), wakes the waiting clients, and acknowledges. The acknowledgement
 * leaves only once the write is durable: the Durable Object's output gate
 * holds every response until storage confirms.
 */
export async function post(room: RoomContext, request: Request): Promise<Response> {
  const form = await readForm(request);
  const nick = form.get("nick");
  const text = form.get("text");
  if (nick === undefined || text === undefined) throw new HttpError(400, "Fields nick and text are required");
  integerParam(form, "cid");
  const clean = cleanPost(nick, text);
  if (clean === null) return acknowledge(request, null, room.log.end);
  const entry = room.log.append(clean, clientAddress(request), room.clock.now());
  publish(room, entry.seq - 1);
  return acknowledge(request, entry, room.log.end);
}
