/**
 * HTTP/1.1 over a plain TCP socket, for clients whose exact bytes matter
 * (Gauche's rfc.http sends no header that fetch() would not add or change).
 * One request per connection: the response is read by its Content-Length or
 * chunks (or to the close), then the socket is closed, as rfc.http does.
 */
import { connect } from "node:net";

export interface RawResponse {
  status: number;
  /** Header names lower-cased; a repeated header's values joined with ", ". */
  headers: Map<string, string>;
  body: Buffer;
}

function indexOfCrlfCrlf(buffer: Buffer): number {
  return buffer.indexOf("\r\n\r\n");
}

/** Decodes a chunked body; null while incomplete. */
function dechunk(data: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", i);
    if (lineEnd < 0) return null;
    const size = parseInt(data.subarray(i, lineEnd).toString("latin1").split(";")[0]!, 16);
    if (Number.isNaN(size)) throw new Error("bad chunk size");
    i = lineEnd + 2;
    if (size === 0) return data.indexOf("\r\n", i) >= 0 ? Buffer.concat(parts) : null;
    if (data.length < i + size + 2) return null;
    parts.push(data.subarray(i, i + size));
    i += size + 2;
  }
}

/** Sends `head` and `body` to `origin` (http://host:port) and reads one response. */
export function rawRequest(
  origin: string,
  head: string,
  body: Uint8Array | null,
  options: { signal?: AbortSignal; localAddress?: string } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port || 80), localAddress: options.localAddress });
    let data = Buffer.alloc(0);
    let headEnd = -1;
    let status = 0;
    const headers = new Map<string, string>();
    let settled = false;
    const finish = (error: Error | null, response?: RawResponse) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const onAbort = () => finish(options.signal?.reason instanceof Error ? options.signal.reason : new Error("aborted"));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort);

    const tryComplete = (closed: boolean) => {
      if (headEnd < 0) {
        headEnd = indexOfCrlfCrlf(data);
        if (headEnd < 0) {
          if (closed) finish(new Error("connection closed before the response head"));
          return;
        }
        const [statusLine, ...lines] = data.subarray(0, headEnd).toString("latin1").split("\r\n");
        const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "");
        if (match === null) return finish(new Error(`bad status line: ${statusLine}`));
        status = Number(match[1]);
        for (const line of lines) {
          const colon = line.indexOf(":");
          const name = line.slice(0, colon).trim().toLowerCase();
          const value = line.slice(colon + 1).trim();
          headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
        }
      }
      const rest = data.subarray(headEnd + 4);
      const length = headers.get("content-length");
      if (headers.get("transfer-encoding")?.toLowerCase().includes("chunked")) {
        const decoded = dechunk(rest);
        if (decoded !== null) finish(null, { status, headers, body: decoded });
        else if (closed) finish(new Error("connection closed inside a chunked body"));
      } else if (length !== undefined) {
        if (rest.length >= Number(length)) finish(null, { status, headers, body: rest.subarray(0, Number(length)) });
        else if (closed) finish(new Error("connection closed before the whole body"));
      } else if (status === 204 || status === 304 || closed) {
        finish(null, { status, headers, body: rest });
      }
    };

    socket.on("data", (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      try {
        tryComplete(false);
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.on("end", () => tryComplete(true));
    socket.on("error", (error) => finish(error));
    socket.on("close", () => tryComplete(true));
    socket.write(head);
    if (body !== null && body.byteLength > 0) socket.write(body);
  });
}
