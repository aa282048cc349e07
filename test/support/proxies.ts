/**
 * Loopback proxies in front of a dev server, for what a server alone cannot
 * show: a connection cut right after the server answered, and a server with
 * no WebSocket endpoint (as an original Gauche server).
 */
import { request as httpRequest, createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";

export interface CuttingProxy {
  /** The proxy's origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** From now on, the first server-to-client chunk that contains `marker` is dropped and its connection cut. */
  arm(marker: string): void;
  /** How many connections were cut so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

function listen(server: Server | HttpServer): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") return reject(new Error("no port"));
      resolve(`http://127.0.0.1:${address.port}`);
    });
  });
}

/** Request header lines that would let the server compress its answers (gzip, permessage-deflate) and hide the marker. */
const COMPRESSION_HEADERS = /\r\n(?:accept-encoding|sec-websocket-extensions):[^\r\n]*/gi;

/** A chunk from the client with its compression headers removed, when it holds request headers. */
function withoutCompression(chunk: Buffer): Buffer {
  const text = chunk.toString("latin1");
  if (!/^[A-Z]+ \S+ HTTP\/1\.1\r\n/.test(text)) return chunk;
  const headerEnd = text.indexOf("\r\n\r\n");
  if (headerEnd < 0) return chunk;
  return Buffer.from(text.slice(0, headerEnd).replace(COMPRESSION_HEADERS, "") + text.slice(headerEnd), "latin1");
}

/**
 * A TCP proxy: bytes pass both ways (HTTP, keep-alive and WebSocket alike;
 * server frames are not masked, so their JSON shows, and the request headers
 * that ask for compression are dropped, so that it stays readable), until an
 * armed marker appears in what the server sends. That chunk never
 * reaches the client, and both sides of its connection are destroyed: the
 * server has done the work, the client never hears of it.
 */
export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let marker: string | null = null;
  let cuts = 0;
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk: Buffer) => upstream.write(withoutCompression(chunk)));
    upstream.on("data", (chunk) => {
      if (marker !== null && chunk.toString("latin1").includes(marker)) {
        marker = null;
        cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
  });
  const url = await listen(server);
  return {
    url,
    arm: (text) => (marker = text),
    get cuts() {
      return cuts;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An HTTP proxy that forwards every request but refuses WebSocket upgrades with 404, as a server with no /ws. */
export async function startNoSocketProxy(target: string): Promise<{ url: string; upgradesRefused: () => number; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  let refused = 0;
  const server = createHttpServer((req, res) => {
    const upstream = httpRequest({ hostname, port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  server.on("upgrade", (_req, socket: Socket) => {
    refused++;
    socket.end("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\nConnection: close\r\n\r\nNot Found\n");
  });
  const url = await listen(server);
  return {
    url,
    upgradesRefused: () => refused,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
