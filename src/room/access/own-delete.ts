import { clientAddress } from "../../http/client-address";
import { HttpError } from "../../http/errors";
import { readForm } from "../../http/form";
import { jsonResponse, sexprResponse } from "../../http/responses";
import { dayOf } from "../../protocol/day";
import { OWN_DELETE_WINDOW_MS } from "../../protocol/limits";
import { alist, writeSexpr } from "../../protocol/sexpr";
import type { AuthorSecrets } from "../posting/author-secrets";
import { deleteEntry, parsePermalink, type ModerationRoom } from "./moderation";

/**
 * POST delete: `permalink` (as the post's acknowledgement gave it, or its
 * anchor alone) and `secret`. The author of a post deletes it, within
 * OWN_DELETE_WINDOW_MS of posting, through the moderators' one delete path
 * (log, day archive, RSS, connected pages), audited as the author's.
 *
 * The time checked is the entry's own timestamp, read from the permalink: the
 * secret is an HMAC of that anchor, so a permalink with another time fails it.
 */
export async function deleteOwnPost(room: ModerationRoom & { authorSecrets: AuthorSecrets }, request: Request): Promise<Response> {
  const form = await readForm(request);
  const link = form.get("permalink");
  const secret = form.get("secret");
  if (link === undefined || link.trim() === "") throw new HttpError(400, "Field permalink is required");
  const { sec, usec, anchor } = parsePermalink(link);
  if (secret === undefined || secret === "") throw new HttpError(403, "Only the author may delete a post: the secret its acknowledgement gave is required");
  if (!(await room.authorSecrets.matches(anchor, secret))) throw new HttpError(403, "That secret does not delete this post");
  const age = room.clock.now() - (sec * 1000 + usec / 1000);
  if (age > OWN_DELETE_WINDOW_MS) {
    throw new HttpError(403, `Too late: an author may delete a post for ${OWN_DELETE_WINDOW_MS / 60_000} minutes after posting`);
  }
  await deleteEntry(room, anchor, `author ${clientAddress(request)}`);
  return deletedReply(request, `a/${dayOf(sec)}#${anchor}`);
}

/** JSON by default; an S-expression for API clients that ask for one, as the poster answers. */
function deletedReply(request: Request, permalink: string): Response {
  if ((request.headers.get("Accept") ?? "").includes("application/x-sexpr")) return sexprResponse(writeSexpr(alist([["deleted", permalink]])));
  return jsonResponse({ deleted: permalink });
}
