/** The command's exit codes, and how an error maps onto them. */
import { ConnectionError, PostRefusedError, RateLimitedError } from "../errors.js";

export const EXIT = {
  /** Done: the post is stored, the watch was stopped by a signal, the search printed its results. */
  ok: 0,
  /** The room could not be reached, answered something unexpected, or a post got no answer in time. */
  failed: 1,
  /** Wrong arguments. */
  usage: 2,
  /** The room refused: a post not stored (bad input, empty once cleaned), or a 4xx from the room (no such room, no search...). */
  refused: 3,
  /** Too many posts: the message says how long to wait. */
  rateLimited: 4,
} as const;

export class UsageError extends Error {}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof RateLimitedError) return EXIT.rateLimited;
  if (error instanceof PostRefusedError) return EXIT.refused;
  if (error instanceof ConnectionError && error.status !== null && error.status >= 400 && error.status < 500) return EXIT.refused;
  return EXIT.failed;
}
