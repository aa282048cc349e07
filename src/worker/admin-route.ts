import { HttpError, methodNotAllowed } from "../http/errors";
import { readForm } from "../http/form";
import { jsonResponse } from "../http/responses";
import type { AdminCommand } from "../protocol/admin";
import { answerOf } from "../protocol/room-result";
import type { RoomHandle } from "./rooms";
import { readSearchFill } from "./search-fill";
import { transferCommand } from "./transfer-route";

const encoder = new TextEncoder();

/** Compares the bearer token with ADMIN_TOKEN in constant time (for equal lengths). */
export async function requireAdmin(request: Request, env: Env): Promise<void> {
  const expected = env.ADMIN_TOKEN;
  if (!expected) throw new HttpError(403, "The admin API is off: set the ADMIN_TOKEN secret");
  const given = /^bearer (.+)$/i.exec(request.headers.get("Authorization") ?? "")?.[1] ?? "";
  const [a, b] = await Promise.all([crypto.subtle.digest("SHA-256", encoder.encode(given)), crypto.subtle.digest("SHA-256", encoder.encode(expected))]);
  if (!crypto.subtle.timingSafeEqual(a, b)) throw new HttpError(401, "Wrong admin token", { "WWW-Authenticate": "Bearer" });
}

async function commandOf(request: Request, action: string): Promise<AdminCommand> {
  const reads = ["blocklist", "allowlist", "users", "audit", "search-stats", "hooks"] as const;
  if (request.method === "GET" && (reads as readonly string[]).includes(action)) return { action: action as (typeof reads)[number] };
  if (request.method === "POST" && action === "search-fill") return { action, entries: await readSearchFill(request) };
  if (request.method === "POST" && action === "search-merge") return { action };
  if (request.method !== "POST") throw methodNotAllowed("GET, POST");
  const form = await readForm(request);
  const field = (name: string) => {
    const value = form.get(name);
    if (value === undefined || value.trim() === "") throw new HttpError(400, `Field ${name} is required`);
    return value;
  };
  switch (action) {
    case "block":
    case "unblock":
    case "allow":
    case "disallow":
      return { action, text: field("rules") };
    case "users":
      return { action: "add-user", user: field("user").trim(), password: field("password") };
    case "delete":
      return { action: "delete", permalink: field("permalink") };
    case "hooks":
      return { action: "hook-add", name: field("name").trim(), to: form.get("to")?.trim() || null, origin: new URL(request.url).origin };
    case "hook-remove":
      return { action: "hook-remove", id: field("id").trim() };
    case "search-time": {
      const runs = Number(form.get("runs") ?? "10");
      if (!Number.isInteger(runs) || runs < 1 || runs > 1000) throw new HttpError(400, "runs is an integer from 1 to 1000");
      return { action, q: field("q"), runs, scan: form.get("scan") !== "0" };
    }
  }
  throw new HttpError(404, "No such admin command");
}

/**
 * /<room>/admin/<command>: blocklist (GET), block and unblock (POST rules),
 * allowlist (GET), allow and disallow (POST rules),
 * users (GET; POST user and password), delete (POST permalink), audit (GET);
 * for benchmarks: search-fill (POST JSON entries), search-stats (GET),
 * search-time (POST q, runs[, scan=0]), search-merge (POST); webhooks:
 * hooks (GET; POST name[, to] adds one), hook-remove (POST id); import and
 * export of an original room (transfer-route.ts).
 * Authenticated with the ADMIN_TOKEN secret as a bearer token.
 */
export async function adminRoute(request: Request, env: Env, room: RoomHandle, action: string): Promise<Response> {
  await requireAdmin(request, env);
  if (action === "import" || action === "export") {
    const moved = await answerOf(room.stub.transfer(room.config.name, await transferCommand(request, action)));
    return jsonResponse(moved, { "Cache-Control": "no-store" });
  }
  const command = await commandOf(request, action);
  const report = await answerOf(room.stub.admin(room.config.name, command));
  return jsonResponse({ ok: true, ...report }, { "Cache-Control": "no-store" });
}
