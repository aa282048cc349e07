import { HttpError } from "../http/errors";
import { RELAY_HEADER, RELAY_HOLD_HEADER } from "../protocol/relay";

/** What the Worker asks of a room's object or a relay: a request, answered. */
interface Forward {
  fetch(request: Request): Promise<Response>;
}

/** The relay of a given name (the name a room's answer gives). */
export type RelayByName = (name: string) => Forward;

/**
 * A request the room may hand to one of its relays (a new socket, a comet
 * request it would hold; README, "Large rooms"): the room's answer names the
 * relay, and the request goes there as it came, a comet hold with what the
 * room said of it. The room's own answer never leaves the Worker then.
 */
export async function throughRoom(room: Forward, relays: RelayByName, request: Request): Promise<Response> {
  const answer = await room.fetch(request);
  const relay = answer.headers.get(RELAY_HEADER);
  if (relay === null) return answer;
  const headers = new Headers(request.headers);
  const hold = answer.headers.get(RELAY_HOLD_HEADER);
  if (hold === null) headers.delete(RELAY_HOLD_HEADER);
  else headers.set(RELAY_HOLD_HEADER, hold);
  try {
    return await relays(relay).fetch(new Request(request, { headers }));
  } catch {
    throw new HttpError(503, "The room's relay could not be reached; try again", { "Retry-After": "1" });
  }
}
