/** Plain HTTP for the client: a timeout on every request, the caller's signal honoured. */
import { ConnectionError } from "./errors.js";

export type Fetch = typeof globalThis.fetch;

export interface HttpOptions {
  fetch?: Fetch;
  signal?: AbortSignal;
}

/** The signal of one request: the timeout, or the caller's signal, whichever comes first. */
export function requestSignal(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([timeout, signal]) : timeout;
}

/** The short reason a server gave with an error status: the first line of its body. */
export async function reasonOf(res: Response): Promise<string> {
  const text = (await res.text().catch(() => "")).trim();
  const line = text.split("\n", 1)[0]!.slice(0, 300);
  return line === "" || line.startsWith("<") ? `HTTP ${res.status}` : line;
}

/**
 * Sends a request; a network failure or a timeout becomes a ConnectionError,
 * an abort by the caller's signal is rethrown as it is.
 */
export async function send(url: string, init: RequestInit, timeoutMs: number, options: HttpOptions): Promise<Response> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  try {
    return await fetchImpl(url, { ...init, signal: requestSignal(timeoutMs, options.signal) });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const cause = error as Error;
    const detail = cause.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (cause.cause as Error | undefined)?.message ?? cause.message;
    throw new ConnectionError(`${url}: ${detail}`);
  }
}
