import { clientAddress } from "../../http/client-address";
import { HttpError, tooManyRequests } from "../../http/errors";
import { readForm } from "../../http/form";
import { integerParam } from "../../http/params";
import { jsonResponse, NO_CACHE, sexprResponse } from "../../http/responses";
import { html } from "../../render/html";
import { htmlResponse } from "../../render/pages";
import { alist, writeSexpr } from "../../protocol/sexpr";
import type { DeleteGrant } from "./author-secrets";
import { MSGID_RULE } from "../../protocol/wire";
import { isValidMsgid, type WritePath } from "./write-path";

/**
 * The acknowledgement of a post. Browsers asking for JSON get the position
 * (and for a stored post its permalink and the secret that deletes it);
 * the S-expression reply is for API clients; anything else gets the original's
 * short empty page, which Scheme's `read` takes as a symbol.
 */
function acknowledge(request: Request, stored: boolean, pos: number, grant: DeleteGrant | null): Response {
  const accept = request.headers.get("Accept") ?? "";
  if (accept.includes("application/json")) return jsonResponse({ stored, pos, ...grant });
  if (accept.includes("application/x-sexpr")) {
    const granted =
      grant === null
        ? []
        : ([
            ["permalink", grant.permalink],
            ["secret", grant.secret],
          ] as const);
    return sexprResponse(writeSexpr(alist([["stored", stored ? 1 : 0], ["pos", pos], ...granted])));
  }
  return htmlResponse(html`<html></html>`, 200, NO_CACHE);
}

/**
 * POST post: nick, text, and optionally cid and msgid, through the write
 * path. The acknowledgement leaves only once the write is durable and its
 * entry told to listeners, as its grant is made then (posting/write-path.ts).
 */
export async function post(room: { writePath: WritePath }, request: Request): Promise<Response> {
  const form = await readForm(request);
  const nick = form.get("nick");
  const text = form.get("text");
  if (nick === undefined || text === undefined) throw new HttpError(400, "Fields nick and text are required");
  const cid = integerParam(form, "cid");
  const msgid = form.get("msgid") ?? null;
  if (msgid !== null && !isValidMsgid(msgid)) throw new HttpError(400, `Field ${MSGID_RULE}`);
  const outcome = room.writePath.submit({ nick, text, ip: clientAddress(request), msgid, client: cid === null ? null : `cid:${cid}` });
  if (outcome.kind === "rate-limited") {
    throw tooManyRequests("Too many posts", outcome.retryAfter);
  }
  return acknowledge(request, outcome.kind !== "empty", outcome.pos, outcome.kind === "empty" ? null : await outcome.grant);
}
