import { HttpError } from "../http/errors";

/**
 * What the room's RPC methods answer the Worker: a value, or a refusal with
 * the status and short reason the Worker answers with (and a relay, src/relay/relay.ts).
 */
export type RoomResult<T> = { ok: true; value: T } | { ok: false; status: number; reason: string; headers: Record<string, string> };

/** The value of a room's RPC answer; a refusal becomes the HttpError it names, the one place this happens. */
export function resultValue<T>(answer: RoomResult<T>): T {
  if (!answer.ok) throw new HttpError(answer.status, answer.reason, answer.headers);
  return answer.value;
}

/** resultValue, of an answer to come. */
export async function answerOf<T>(result: Promise<RoomResult<T>>): Promise<T> {
  return resultValue(await result);
}
