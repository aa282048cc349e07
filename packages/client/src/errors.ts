/** The errors the client rejects with: each says what happened and whether waiting helps. */

export class ChatonError extends Error {
  override name = "ChatonError";
}

/** The room could not be reached or answered something that is not Chaton. */
export class ConnectionError extends ChatonError {
  override name = "ConnectionError";
  constructor(
    message: string,
    /** The HTTP status, when the server answered at all. */
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

/** The server refused a post (bad input, a frame it does not take, or a post that is empty once cleaned). */
export class PostRefusedError extends ChatonError {
  override name = "PostRefusedError";
  constructor(
    /** The server's short reason. */
    readonly reason: string,
    /** The HTTP status, or null when refused over the socket. */
    readonly status: number | null = null,
  ) {
    super(`post refused: ${reason}`);
  }
}

/** Too many posts: try again after `retryAfter` seconds. */
export class RateLimitedError extends ChatonError {
  override name = "RateLimitedError";
  constructor(
    /** Seconds to wait before posting again. */
    readonly retryAfter: number,
    reason = "too many posts",
  ) {
    super(`${reason}; try again in ${retryAfter} s`);
  }
}

/**
 * A post got no answer before its deadline: it may or may not be stored.
 * Posting it again with the same msgid within the room's memory (10 minutes)
 * cannot store it twice.
 */
export class PostTimeoutError extends ChatonError {
  override name = "PostTimeoutError";
  constructor(readonly msgid: string) {
    super("no answer from the room in time; the post may or may not be stored");
  }
}

/** The client was closed (by close() or its signal) before the operation ended. */
export class ClosedError extends ChatonError {
  override name = "ClosedError";
  constructor() {
    super("the client is closed");
  }
}
