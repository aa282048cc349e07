/**
 * What the room's RPC methods answer the Worker: a value, or a refusal with
 * the status and short reason the Worker answers with (src/worker/rooms.ts).
 */
export type RoomResult<T> = { ok: true; value: T } | { ok: false; status: number; reason: string; headers: Record<string, string> };
