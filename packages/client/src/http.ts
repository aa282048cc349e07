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

/** The short reason a server gave with an error status: the first line of its body, unless that is markup. */
export function reasonIn(body: string, status: number): string {
  const line = body.trim().split("\n", 1)[0]!.slice(0, 300);
  return line === "" || line.startsWith("<") ? `HTTP ${status}` : line;
}

export async function reasonOf(res: Response): Promise<string> {
  return reasonIn(await res.text().catch(() => ""), res.status);
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
    const detail = cause.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : ((cause.cause as Error | undefined)?.message ?? cause.message);
    throw new ConnectionError(`${url}: ${detail}`);
  }
}
