import { clientAddress } from "../http/client-address";
import { errorResponse, HttpError, tooManyRequests } from "../http/errors";
import { VERIFIED_PASSWORD_MS } from "../protocol/limits";
import { sha256Hex } from "../security/bytes";
import { parseBasicAuth } from "../security/passwords";
import { answerOf } from "../protocol/room-result";
import type { RoomHandle } from "./rooms";

const verified = new Map<string, number>();

function challenge(room: RoomHandle, reason: string): Response {
  return errorResponse(new HttpError(401, reason, { "WWW-Authenticate": `Basic realm="${room.config.name}", charset="UTF-8"` }));
}

/**
 * HTTP basic authentication against a private room's users, before any of its
 * pages and endpoints (status files and badge included). Returns the signed-in
 * user, or the response that asks for credentials or says to wait.
 */
export async function signIn(request: Request, room: RoomHandle): Promise<{ user: string } | Response> {
  const header = request.headers.get("Authorization");
  const credentials = parseBasicAuth(header);
  if (credentials === null) return challenge(room, `Sign in to ${room.config.name}`);
  const key = await sha256Hex(`${room.config.name}\n${header}`);
  const now = Date.now();
  if ((verified.get(key) ?? 0) > now) return { user: credentials.user };
  const result = await answerOf(room.stub.authenticate(room.config.name, credentials.user, credentials.password, clientAddress(request)));
  if (result.ok) {
    if (verified.size > 10_000) verified.clear();
    verified.set(key, now + VERIFIED_PASSWORD_MS);
    return { user: credentials.user };
  }
  if (result.retryAfter > 0) {
    return errorResponse(tooManyRequests("Too many failed sign-ins", result.retryAfter));
  }
  return challenge(room, "Wrong user name or password");
}

/** Forgets every confirmed password in this isolate (after a change of password; others ask the room again). */
export function forgetVerified(): void {
  verified.clear();
}
