import { HttpError } from "../http/errors";
import { readForm } from "../http/form";
import { integerParam } from "../http/params";
import { cleanPost } from "../protocol/entry";
import { alist, writeSexpr } from "../protocol/sexpr";
import type { DeleteGrant } from "./author-secrets";
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
function acknowledge(request: Request, stored: boolean, pos: number, grant?: DeleteGrant): Response {
  const accept = request.headers.get("Accept") ?? "";
  const headers = { "Cache-Control": "no-cache" };
  if (accept.includes("application/json")) {
    return Response.json({ stored, pos, ...grant }, { headers });
  }
  if (accept.includes("application/x-sexpr")) {
    const body = writeSexpr(alist([["stored", stored ? 1 : 0], ["pos", pos], ...(grant ? ([["permalink", grant.permalink], ["secret", grant.secret]] as const) : [])]));
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
  if (clean === null) return acknowledge(request, false, room.log.end);
  const ip = clientAddress(request);
  const admission = admitPost(room, ip);
  // A blocked address is answered as if its post were stored, as the original does.
  if (admission === "blocked") return acknowledge(request, true, room.log.end, room.authorSecrets.decoy(room.clock.now()));
  if (admission > 0) throw new HttpError(429, `Too many posts; try again in ${admission} s`, { "Retry-After": String(admission) });
  const entry = room.log.append(clean, ip, room.clock.now());
  publish(room, entry.seq - 1);
  return acknowledge(request, true, entry.seq, room.authorSecrets.grant(entry));
}

/**
 * Whether an address may post now: "blocked" by the blocklist (the attempt
 * is logged), a number of seconds to wait when over its posts per minute, or 0.
 */
export function admitPost(room: RoomContext, ip: string): "blocked" | number {
  const now = room.clock.now();
  const rule = room.blocklist.blocks(ip);
  if (rule !== null) {
    console.log(JSON.stringify({ event: "post-blocked", room: room.config.name, ip }));
    room.audit.record({ at: now, actor: ip, action: "post-blocked", target: room.config.name, detail: "" });
    return "blocked";
  }
  return room.postLimiter.take(ip, now);
}
