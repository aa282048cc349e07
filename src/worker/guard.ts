import type { IRequest } from "itty-router";
import { siteConfig, type RoomConfig } from "../config";
import { errorResponse, HttpError } from "../http/errors";
import { clientAddress } from "../room/posting/poster";
import { parseBasicAuth } from "../security/passwords";

/** A password the room confirmed is taken again without asking it, for this long, in this isolate. */
const VERIFIED_FOR_MS = 60_000;
const verified = new Map<string, number>();

async function digest(text: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function challenge(room: RoomConfig, reason: string): Response {
  return errorResponse(new HttpError(401, reason, { "WWW-Authenticate": `Basic realm="${room.name}", charset="UTF-8"` }));
}

/** The private room a request is for, if it is for one. */
export function privateRoomOf(request: IRequest, env: Env): RoomConfig | null {
  const name = new URL(request.url).pathname.split("/")[1] ?? "";
  const room = siteConfig(env).rooms.get(name);
  return room?.private ? room : null;
}

/**
 * Before any route of a private room (every page and endpoint, status files
 * and badge included): HTTP basic authentication against the room's users.
 * Admin paths have their own token. Sets `request.user` when signed in.
 */
export async function guardPrivateRooms(request: IRequest, env: Env): Promise<Response | undefined> {
  const room = privateRoomOf(request, env);
  if (room === null || new URL(request.url).pathname.startsWith(`/${room.name}/admin/`)) return undefined;
  const header = request.headers.get("Authorization");
  const credentials = parseBasicAuth(header);
  if (credentials === null) return challenge(room, `Sign in to ${room.name}`);
  const key = await digest(`${room.name}\n${header}`);
  const now = Date.now();
  if ((verified.get(key) ?? 0) > now) {
    request["user"] = credentials.user;
    return undefined;
  }
  const stub = env.ROOM.get(env.ROOM.idFromName(room.name));
  const result = await stub.authenticate(room.name, credentials.user, credentials.password, clientAddress(request));
  if (result.ok) {
    if (verified.size > 10_000) verified.clear();
    verified.set(key, now + VERIFIED_FOR_MS);
    request["user"] = credentials.user;
    return undefined;
  }
  if (result.retryAfter > 0) {
    return errorResponse(new HttpError(429, `Too many failed sign-ins; try again in ${result.retryAfter} s`, { "Retry-After": String(result.retryAfter) }));
  }
  return challenge(room, "Wrong user name or password");
}

/** Forgets every confirmed password in this isolate (after a change of password; others ask the room again). */
export function forgetVerified(): void {
  verified.clear();
}
