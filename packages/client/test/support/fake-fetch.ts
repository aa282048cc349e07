/** A fetch that answers from a list of handlers, one per request, and records every request. */
export interface Recorded {
  url: string;
  method: string;
  headers: Headers;
  form: URLSearchParams | null;
}

export type Answer = Response | Error | ((request: Recorded) => Response | Error | Promise<Response | Error>);

export function fakeFetch(answers: Answer[]) {
  const requests: Recorded[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const body = init.body;
    const recorded: Recorded = {
      url: String(input),
      method: init.method ?? "GET",
      headers: new Headers(init.headers),
      form: body instanceof URLSearchParams ? new URLSearchParams(body) : null,
    };
    requests.push(recorded);
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`no answer left for ${recorded.method} ${recorded.url}`);
    // Like a real fetch, an abort ends the wait for an answer.
    const aborted = new Promise<never>((_, reject) => {
      const signal = init.signal;
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    const result = await Promise.race([typeof answer === "function" ? answer(recorded) : answer, aborted]);
    if (result instanceof Error) throw result;
    return result;
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

export const json = (value: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(value), { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers } });

export const sexpr = (text: string) => new Response(text, { headers: { "Content-Type": "application/x-sexpr; charset=utf-8" } });

export const text = (body: string, status: number, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });

/** What fetch throws when the connection is cut before an answer. */
export const cut = () => new TypeError("fetch failed", { cause: new Error("other side closed") });
