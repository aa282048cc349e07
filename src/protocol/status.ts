import { HttpError } from "../http/errors";

/** A room's status as var/status.js gives it. */
export interface RoomStatus {
  "last-post": number;
  "num-chatters": number;
  "post-sequence": number;
}

function isRoomStatus(value: unknown): value is RoomStatus {
  const v = value as Record<string, unknown>;
  return ["last-post", "num-chatters", "post-sequence"].every((key) => Number.isInteger(v?.[key]));
}

/** Asks the room's Durable Object for its status. */
export async function fetchRoomStatus(env: Env, room: string, origin: string): Promise<RoomStatus> {
  const stub = env.ROOM.get(env.ROOM.idFromName(room));
  const response = await stub.fetch(new Request(`${origin}/${room}/var/status.js`));
  const status: unknown = response.ok ? await response.json() : null;
  if (!isRoomStatus(status)) throw new HttpError(503, "Room status unavailable", { "Retry-After": "5" });
  return status;
}
