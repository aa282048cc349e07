import { HttpError } from "../../http/errors";
import { logEvent } from "../../log";

/**
 * Runs a call to R2 for a request (a moderator's delete, an import batch): if
 * R2 fails, the request is answered 503 with Retry-After, not a bare 500,
 * since every such write is safe to repeat (a delete finds what is left to
 * do; an import adds only what the day's archive lacks).
 */
export async function retryableR2<T>(room: string, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof HttpError) throw error;
    logEvent({ event: "r2-failed", room, operation, error: String(error) });
    throw new HttpError(503, `The archive could not be ${operation}; try again`, { "Retry-After": "5" });
  }
}
