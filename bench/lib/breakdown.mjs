// Where a delivery's time goes: each profile sample is put in one part of the
// path a post takes to its listeners (the Worker forwarding, the room's
// dispatch, the post's own work, encoding, the send loop, presence, the
// bookkeeping per listener), by the innermost frame of its stack that names
// one. Shared helpers (src/http/, src/protocol/sexpr.ts...) name none: their
// time goes to whoever called them.

/** The parts, in the order the report lists them. */
export const PARTS = [
  "worker: routing, forwarding",
  "room: dispatch",
  "post: form, clean, acknowledge",
  "post: admission",
  "post: storage",
  "post: search index",
  "post: delete grant (HMAC)",
  "encoding",
  "send loop",
  "presence",
  "per-listener bookkeeping",
  "wrangler dev middleware",
  "runtime (no script caller, GC, program)",
  "other",
];

/** Native calls that are the send loop or storage wherever they are called from. */
const NATIVE = {
  send: "send loop",
  getWebSockets: "send loop",
  exec: "post: storage",
  transactionSync: "post: storage",
  toArray: "post: storage",
  one: "post: storage",
};

const SOCKETS = {
  sendAll: "send loop",
  broadcast: "send loop",
  entries: "send loop",
  send: "send loop",
  entriesFrame: "encoding",
  presence: "presence",
  flushPresence: "presence",
};

const LONGPOLL = { entries: "send loop", take: "send loop", deleted: "send loop" };

/** The floor's code (bench/floor/worker.js) by function. */
const FLOOR = {
  forward: "worker: routing, forwarding",
  fetch: "room: dispatch",
  post: "post: form, clean, acknowledge",
  wake: "send loop",
  broadcast: "send loop",
  since: "encoding",
  reply: "encoding",
  frameOf: "encoding",
  webSocketMessage: "per-listener bookkeeping",
  webSocketClose: "per-listener bookkeeping",
};

/**
 * The part of a script frame at `file` (relative to the tree) in function `fn`, or null when the
 * file is a shared helper whose time belongs to its caller.
 */
export function partOf(file, fn) {
  if (file === "worker.js") return FLOOR[fn] ?? "room: dispatch";
  if (file.includes("node_modules/@noble/") || file.endsWith("posting/author-secrets.ts")) return "post: delete grant (HMAC)";
  if (file.includes("node_modules/wrangler/") || file.includes(".wrangler/tmp/")) return "wrangler dev middleware";
  if (file.startsWith("src/worker/")) return "worker: routing, forwarding";
  if (file === "src/room/room.ts" || file === "src/room/routes.ts") return "room: dispatch";
  if (file.endsWith("transports/sockets.ts")) return SOCKETS[fn] ?? "per-listener bookkeeping";
  if (file.endsWith("transports/longpoll.ts")) return LONGPOLL[fn] ?? "per-listener bookkeeping";
  if (file.endsWith("transports/comet.ts") || file.endsWith("transports/apilogin.ts") || file.endsWith("live/clients.ts")) return "per-listener bookkeeping";
  if (file.endsWith("live/fanout.ts")) return fn === "presence" ? "presence" : "send loop";
  if (file.endsWith("live/news.ts") || file.endsWith("protocol/comet-reply.ts") || file.startsWith("src/render/")) return "encoding";
  if (file.startsWith("src/room/search/")) return "post: search index";
  if (file.startsWith("src/room/storage/")) return "post: storage";
  if (file.endsWith("posting/admission.ts") || file.endsWith("posting/post-limiter.ts") || file.startsWith("src/security/")) return "post: admission";
  if (file.startsWith("src/room/posting/") || file.endsWith("protocol/entry.ts") || file.endsWith("http/form.ts")) return "post: form, clean, acknowledge";
  return null;
}

/**
 * The part of a sample, from its stack: `frames` innermost first, each
 * { native, fn, file, line } (file null for a native frame).
 */
export function partOfStack(frames) {
  const leaf = frames[0];
  const nativePart = leaf?.native ? (NATIVE[leaf.fn] ?? null) : null;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i];
    if (frame.native) continue;
    const part = partOf(frame.file, frame.fn);
    if (part === null) continue;
    // Storage called by search is search's; the send loop is the send loop wherever it runs.
    if (nativePart === "post: storage" && part === "post: search index") return part;
    const found = nativePart ?? part;
    // Rows read to encode them are the encoding's.
    if (found === "post: storage" && frames.slice(i + 1).some((f) => !f.native && partOf(f.file, f.fn) === "encoding")) return "encoding";
    return found;
  }
  return nativePart ?? (leaf?.native ? "runtime (no script caller, GC, program)" : "other");
}
