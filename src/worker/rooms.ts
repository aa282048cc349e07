import { siteConfig, type RoomConfig } from "../config";
import { HttpError } from "../http/errors";
import type { RoomResult } from "../protocol/room-result";

/** A room as the Worker reaches it: its configuration and the stub of its Durable Object, resolved once per request. */
export interface RoomHandle {
  config: RoomConfig;
  stub: Env["ROOM"] extends DurableObjectNamespace<infer R> ? DurableObjectStub<R> : never;
}

/** The room named `name`, or null when no such room is configured. */
export function roomNamed(env: Env, name: string): RoomHandle | null {
  const config = siteConfig(env).rooms.get(name);
  if (config === undefined) return null;
  return { config, stub: env.ROOM.getByName(config.name) };
}

/** The value of a room's RPC answer; a refusal becomes the HttpError it names, the one place this happens. */
export async function valueOf<T>(result: Promise<RoomResult<T>>): Promise<T> {
  const answer = await result;
  if (!answer.ok) throw new HttpError(answer.status, answer.reason, answer.headers);
  return answer.value;
}
