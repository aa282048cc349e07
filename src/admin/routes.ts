import type { IRequest } from "itty-router";
import { siteConfig } from "../config";
import { HttpError } from "../http/errors";
import { readForm } from "../http/form";
import type { AdminCommand } from "../room/admin";
import { transferCommand } from "./transfer-route";

const encoder = new TextEncoder();

/** Compares the bearer token with ADMIN_TOKEN in constant time (for equal lengths). */
async function requireAdmin(request: IRequest, env: Env): Promise<void> {
  const expected = env.ADMIN_TOKEN;
  if (!expected) throw new HttpError(403, "The admin API is off: set the ADMIN_TOKEN secret");
  const given = /^Bearer (.+)$/.exec(request.headers.get("Authorization") ?? "")?.[1] ?? "";
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  if (!crypto.subtle.timingSafeEqual(a, b)) throw new HttpError(401, "Wrong admin token", { "WWW-Authenticate": "Bearer" });
}

async function commandOf(request: IRequest, action: string): Promise<AdminCommand> {
  if (request.method === "GET" && (action === "blocklist" || action === "users" || action === "audit")) return { action };
  if (request.method !== "POST") throw new HttpError(405, "Method not allowed", { Allow: "GET, POST" });
  const form = await readForm(request);
  const field = (name: string) => {
    const value = form.get(name);
    if (value === undefined || value.trim() === "") throw new HttpError(400, `Field ${name} is required`);
    return value;
  };
  switch (action) {
    case "block":
    case "unblock":
      return { action, text: field("rules") };
    case "users":
      return { action: "add-user", user: field("user").trim(), password: field("password") };
    case "delete":
      return { action: "delete", permalink: field("permalink") };
  }
  throw new HttpError(404, "No such admin command");
}

/**
 * /<room>/admin/<command>: blocklist (GET), block and unblock (POST rules),
 * users (GET; POST user and password), delete (POST permalink), audit (GET),
 * import and export (src/admin/transfer-route.ts).
 * Authenticated with the ADMIN_TOKEN secret as a bearer token.
 */
export async function adminRoute(request: IRequest, env: Env): Promise<Response> {
  const room = siteConfig(env).rooms.get(request.params["room"]!);
  if (room === undefined) throw new HttpError(404, "No such room");
  await requireAdmin(request, env);
  const action = request.params["command"]!;
  const stub = env.ROOM.get(env.ROOM.idFromName(room.name));
  if (action === "import" || action === "export") {
    const moved = await stub.transfer(room.name, await transferCommand(request, action));
    if (!moved.ok) throw new HttpError(moved.status, moved.reason);
    return Response.json(moved.value, { headers: { "Cache-Control": "no-store" } });
  }
  const command = await commandOf(request, action);
  const result = await stub.admin(room.name, command);
  if (!result.ok) throw new HttpError(result.status, result.reason);
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
}
