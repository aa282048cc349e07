import { clientAddress } from "../http/client-address";
import { HttpError } from "../http/errors";
import { readForm } from "../http/form";
import { passwordPage } from "../render/password-page";
import { forgetVerified } from "./guard";
import { answerOf } from "../protocol/room-result";
import type { RoomHandle } from "./rooms";

/** GET and POST /<room>/password: in a private room, for the user the guard signed in. */
export async function passwordRoute(request: Request, room: RoomHandle, user: string): Promise<Response> {
  if (request.method === "GET") return passwordPage(room.config, user);
  const form = await readForm(request);
  const [current, next, confirm] = ["current", "next", "confirm"].map((name) => form.get(name) ?? "");
  if (next !== confirm) return passwordPage(room.config, user, { error: "The new passwords differ." }, 400);
  let problem: string | null;
  try {
    problem = await answerOf(room.stub.changePassword(room.config.name, user, current!, next!, clientAddress(request)));
  } catch (error) {
    // Too many wrong current passwords: the page says so, with the wait.
    if (error instanceof HttpError && error.status === 429) return passwordPage(room.config, user, { error: error.reason }, 429, error.headers);
    throw error;
  }
  if (problem !== null) return passwordPage(room.config, user, { error: problem }, 400);
  forgetVerified();
  return passwordPage(room.config, user, { done: true });
}
