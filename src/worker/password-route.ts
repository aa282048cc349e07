import type { IRequest } from "itty-router";
import { siteConfig } from "../config";
import { readForm } from "../http/form";
import { notFoundPage } from "../render/pages";
import { passwordPage } from "../render/password-page";
import { forgetVerified } from "./guard";

/** GET and POST /<room>/password: only in private rooms, for the user the guard signed in. */
export async function passwordRoute(request: IRequest, env: Env): Promise<Response> {
  const room = siteConfig(env).rooms.get(request.params["room"]!);
  const user = request["user"] as string | undefined;
  if (room === undefined || !room.private || user === undefined) return notFoundPage(room ?? null);
  if (request.method === "GET") return passwordPage(room, user);
  const form = await readForm(request);
  const [current, next, confirm] = ["current", "next", "confirm"].map((name) => form.get(name) ?? "");
  if (next !== confirm) return passwordPage(room, user, { error: "The new passwords differ." }, 400);
  const stub = env.ROOM.get(env.ROOM.idFromName(room.name));
  const problem = await stub.changePassword(room.name, user, current!, next!);
  if (problem !== null) return passwordPage(room, user, { error: problem }, 400);
  forgetVerified();
  return passwordPage(room, user, { done: true });
}
