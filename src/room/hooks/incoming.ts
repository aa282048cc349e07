import { TEXT_TYPE } from "../../protocol/content-types";
import type { Clock } from "../../clock";
import { clientAddress } from "../../http/client-address";
import { HttpError, tooManyRequests } from "../../http/errors";
import { readForm } from "../../http/form";
import { mediaTypeOf, readJson } from "../../http/json-body";
import { jsonResponse } from "../../http/responses";
import { MAX_HOOK_BODY_BYTES } from "../../protocol/limits";
import { MSGID_RULE } from "../../protocol/wire";
import { isValidMsgid, type WritePath } from "../posting/write-path";
import type { HookLimiter } from "./hook-limiter";
import type { Webhooks } from "./webhooks";

export interface HookRoom {
  webhooks: Pick<Webhooks, "incoming">;
  hookLimiter: HookLimiter;
  writePath: WritePath;
  clock: Clock;
}

interface HookPost {
  nick: string | null;
  text: string;
  msgid: string | null;
}

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw new HttpError(400, `Field ${field} must be a string`);
  return value;
}

/** Slack's incoming-webhook JSON: `text`, and `username` (or `nick`) for the name; the rest of Slack's fields are not read. */
function fromJson(json: unknown): HookPost {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new HttpError(400, 'Expected a JSON object such as {"text": "…"}');
  const body = json as Record<string, unknown>;
  const text = optionalText(body["text"], "text");
  if (text === null) throw new HttpError(400, "Field text is required");
  return { text, nick: optionalText(body["username"], "username") ?? optionalText(body["nick"], "nick"), msgid: optionalText(body["msgid"], "msgid") };
}

/** What was posted: JSON, or a form of `nick` and `text` (or Slack's form, one field `payload` holding the JSON). */
async function readHookPost(request: Request): Promise<HookPost> {
  const type = mediaTypeOf(request)?.type;
  if (type === "application/json") return fromJson(await readJson(request, MAX_HOOK_BODY_BYTES));
  if (type === undefined || !FORM_TYPES.includes(type)) {
    throw new HttpError(415, 'Expected JSON ({"text": "…", "username": "…"}) or a form (nick, text)');
  }
  const form = await readForm(request, MAX_HOOK_BODY_BYTES);
  const payload = form.get("payload");
  if (payload !== undefined) {
    try {
      return fromJson(JSON.parse(payload));
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, "Field payload is not JSON");
    }
  }
  const text = form.get("text");
  if (text === undefined) throw new HttpError(400, "Field text is required");
  return { text, nick: form.get("nick") ?? null, msgid: form.get("msgid") ?? null };
}

/**
 * POST hooks/<id>/<secret>: an incoming webhook posts into the room through
 * the one write path, under the hook's name unless the body gives one,
 * within the hook's own rate. The URL is the credential: a wrong secret is a
 * 404, as for no hook at all. Answered `ok` as Slack does, or JSON with the
 * position (and permalink) when asked for.
 */
export async function incomingHook(room: HookRoom, request: Request, id: string, secret: string): Promise<Response> {
  const hook = await room.webhooks.incoming(id, secret);
  if (hook === null) throw new HttpError(404, "No such webhook");
  const body = await readHookPost(request);
  if (body.msgid !== null && !isValidMsgid(body.msgid)) throw new HttpError(400, `Field ${MSGID_RULE}`);
  const wait = room.hookLimiter.take(hook.id, room.clock.now());
  if (wait > 0) throw tooManyRequests("Too many posts from this webhook", wait);
  const nick = body.nick === null || body.nick.trim() === "" ? hook.name : body.nick;
  const outcome = room.writePath.submit({ nick, text: body.text, ip: clientAddress(request), msgid: body.msgid, client: `hook:${hook.id}` });
  if (outcome.kind === "rate-limited") {
    throw tooManyRequests("Too many posts", outcome.retryAfter);
  }
  if ((request.headers.get("Accept") ?? "").includes("application/json")) {
    const grant = outcome.kind === "empty" ? null : await outcome.grant;
    const permalink = grant === null ? {} : { permalink: grant.permalink };
    return jsonResponse({ stored: outcome.kind !== "empty", pos: outcome.pos, ...permalink });
  }
  return new Response("ok", { headers: { "Content-Type": TEXT_TYPE, "Cache-Control": "no-cache" } });
}
