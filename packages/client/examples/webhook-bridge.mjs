#!/usr/bin/env node
// @ts-check
/**
 * A bridge from a Chaton room to a webhook: each new entry of the room is
 * sent as a JSON POST to a URL, in order, retried with back-off until the
 * receiver takes it. The position is kept in a cursor file, so a restarted
 * bridge sends what it missed and nothing twice (the receiver can also
 * recognise a repeat by its Idempotency-Key header, the entry's permalink).
 *
 *   node webhook-bridge.mjs <room-url> <webhook-url> [cursor-file]
 *
 * The body: {"room","pos","nick","time":[sec,usec],"text","permalink"}.
 */
import { pathToFileURL } from "node:url";
import { ChatonClient } from "chaton-client";
import { fileStore } from "chaton-client/node";

/**
 * @typedef {object} DeliverOptions
 * @property {typeof fetch} [fetch]
 * @property {number} [attempts] give up on an entry after this many tries (default 10)
 * @property {number} [minDelayMs] the first wait between tries (default 1 s), doubling
 * @property {number} [maxDelayMs] the longest wait (default 60 s)
 * @property {AbortSignal} [signal]
 * @property {(line: string) => void} [log]
 */

/** @param {number} ms @param {AbortSignal} [signal] */
const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve(undefined)), { once: true });
  });

/**
 * POSTs one payload. Network errors, 5xx and 429 are retried (429 after its
 * Retry-After); any other answer ends the attempts. Resolves with whether
 * the receiver took it (2xx).
 *
 * @param {string} webhookUrl
 * @param {{ permalink: string } & Record<string, unknown>} payload
 * @param {DeliverOptions} [options]
 * @returns {Promise<boolean>}
 */
export async function deliver(webhookUrl, payload, options = {}) {
  const { fetch = globalThis.fetch, attempts = 10, minDelayMs = 1_000, maxDelayMs = 60_000, signal, log = console.error } = options;
  let delay = minDelayMs;
  for (let attempt = 1; attempt <= attempts && !signal?.aborted; attempt++) {
    let wait = delay * (0.75 + Math.random() * 0.5);
    try {
      const res = await fetch(webhookUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": payload.permalink },
        body: JSON.stringify(payload),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(30_000)]) : AbortSignal.timeout(30_000),
      });
      await res.body?.cancel();
      if (res.ok) return true;
      if (res.status !== 429 && res.status < 500) {
        log(`webhook refused ${payload.permalink}: HTTP ${res.status}; skipped`);
        return false;
      }
      const retryAfter = Number(res.headers.get("Retry-After"));
      if (res.status === 429 && retryAfter > 0) wait = retryAfter * 1000;
      log(`webhook answered HTTP ${res.status}; retrying in ${Math.round(wait)} ms`);
    } catch (error) {
      if (signal?.aborted) break;
      log(`webhook unreachable (${/** @type {Error} */ (error).message}); retrying in ${Math.round(wait)} ms`);
    }
    await sleep(wait, signal);
    delay = Math.min(delay * 2, maxDelayMs);
  }
  return false;
}

/**
 * Forwards the room's entries until the room is closed. An entry the
 * webhook never took is logged and skipped, so that one bad entry does not
 * stop the bridge.
 *
 * @param {Pick<ChatonClient, "events" | "roomName">} room
 * @param {string} webhookUrl
 * @param {DeliverOptions} [options]
 */
export async function bridge(room, webhookUrl, options = {}) {
  const log = options.log ?? console.error;
  for await (const event of room.events()) {
    if (event.type === "entry") {
      const { pos, nick, time, text, permalink } = event;
      const delivered = await deliver(webhookUrl, { room: room.roomName, pos, nick, time, text, permalink }, options);
      if (!delivered) log(`gave up on ${permalink}`);
    } else if (event.type === "connection") {
      log(event.state === "lost" ? `room connection lost (${event.reason}); retrying in ${event.retryInMs} ms` : `room ${event.state} (${event.transport})`);
    }
  }
}

/** @param {string[]} args */
async function main(args) {
  const [roomUrl, webhookUrl, cursorFile] = args;
  if (!roomUrl || !webhookUrl) {
    console.error("usage: node webhook-bridge.mjs <room-url> <webhook-url> [cursor-file]");
    return 2;
  }
  const stop = new AbortController();
  for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) process.once(signal, () => stop.abort());
  const room = await ChatonClient.connect(roomUrl, {
    who: "webhook-bridge",
    store: cursorFile ? fileStore(cursorFile) : undefined,
    signal: stop.signal,
  });
  await bridge(room, webhookUrl, { signal: stop.signal });
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2)).catch((error) => {
    console.error(`webhook-bridge: ${error.message}`);
    return 1;
  });
}
