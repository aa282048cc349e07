import { logEvent } from "../../log";
import type { Clock } from "../../clock";
import { HttpError } from "../../http/errors";
import { cleanPost, type Entry } from "../../protocol/entry";
import { MAX_HOOK_NAME_CHARS, MAX_HOOK_QUEUE, MAX_HOOK_URL_CHARS, MAX_HOOKS_PER_ROOM } from "../../protocol/limits";
import type { HookInfo, NewHook } from "../../protocol/webhooks";
import { hookId, randomToken, secretHash, secretMatches } from "../../security/hook-secrets";
import type { AuditLog } from "../storage/audit-log";
import type { HookOutbox } from "../storage/hook-outbox";
import type { HookRow, Hooks } from "../storage/hooks";
import { deletedEvent, entryEvent, type DeletedEntry, type QueuedEvent } from "./events";

/** Random bytes of an incoming hook's URL secret, and of an outgoing hook's signing key. */
const SECRET_BYTES = 32;
const ACTOR = "admin";

export interface WebhookParts {
  hooks: Hooks;
  outbox: HookOutbox;
  audit: Pick<AuditLog, "record">;
  clock: Clock;
  /** Asks the room's one alarm to run no later than `at` (the delivery is one of its jobs). */
  wake(at: number): void;
}

function info(hook: HookRow): HookInfo {
  return {
    id: hook.id,
    name: hook.name,
    direction: hook.direction,
    to: hook.url,
    createdAt: hook.created_at,
    state: hook.disabled_at !== null ? "off" : hook.failing_since !== null ? "failing" : "ok",
    failingSince: hook.failing_since,
    disabledAt: hook.disabled_at,
    lastError: hook.last_error,
    queued: hook.queued,
  };
}

/** An outgoing hook's receiver: an http or https URL, without credentials in it. */
function receiverUrl(to: string): string {
  if (to.length > MAX_HOOK_URL_CHARS) throw new HttpError(400, `A webhook URL has at most ${MAX_HOOK_URL_CHARS} characters`);
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw new HttpError(400, "The webhook's --to is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new HttpError(400, "A webhook's URL is http: or https:");
  if (url.username !== "" || url.password !== "") throw new HttpError(400, "A webhook's URL carries no user name or password; its requests are signed");
  return url.href;
}

/**
 * The room's webhooks: making, listing and removing them, checking an
 * incoming one's secret, and queueing events for the outgoing ones. Events
 * are queued inside the transaction that stores (or deletes) the entry, so
 * none is lost and none is sent for an entry that was not kept.
 */
export class Webhooks {
  /** Whether any outgoing hook takes events (null: look again), so a room without one pays nothing per post. */
  private anyOutgoing: boolean | null = null;

  constructor(private readonly parts: WebhookParts) {}

  async add(room: string, name: string, to: string | null, origin: string): Promise<NewHook> {
    const { hooks, audit, clock } = this.parts;
    const nick = cleanPost(name, "x")?.nick;
    if (nick === undefined || nick !== name || [...name].length > MAX_HOOK_NAME_CHARS) {
      throw new HttpError(400, `A webhook's name is 1 to ${MAX_HOOK_NAME_CHARS} characters, as a nick`);
    }
    if (hooks.count() >= MAX_HOOKS_PER_ROOM) throw new HttpError(409, `A room has at most ${MAX_HOOKS_PER_ROOM} webhooks; remove one first`);
    const id = hookId();
    const secret = randomToken(SECRET_BYTES);
    const now = clock.now();
    let made: NewHook;
    if (to === null) {
      hooks.add({ id, name, direction: "in", secretHash: await secretHash(secret), signingKey: null, url: null, origin, createdAt: now });
      made = { id, name, direction: "in", url: `${origin}/${room}/hooks/${id}/${secret}`, secret: null };
    } else {
      const url = receiverUrl(to);
      hooks.add({ id, name, direction: "out", secretHash: null, signingKey: secret, url, origin, createdAt: now });
      this.anyOutgoing = null;
      made = { id, name, direction: "out", url, secret };
    }
    audit.record({ at: now, actor: ACTOR, action: "hook-add", target: id, detail: JSON.stringify({ name, direction: made.direction, to }) });
    return made;
  }

  list(): HookInfo[] {
    return this.parts.hooks.all().map(info);
  }

  /** Removes the hook and every event waiting for it. */
  remove(id: string): void {
    const { hooks, outbox, audit, clock } = this.parts;
    const hook = hooks.find(id);
    if (hook === null) throw new HttpError(404, `No webhook ${id} in this room`);
    const dropped = outbox.dropAll(id);
    hooks.remove(id);
    this.anyOutgoing = null;
    audit.record({
      at: clock.now(),
      actor: ACTOR,
      action: "hook-remove",
      target: id,
      detail: JSON.stringify({ name: hook.name, direction: hook.direction, dropped }),
    });
  }

  /** The incoming hook with this id whose secret is `secret`, or null (a wrong secret and no hook look the same). */
  async incoming(id: string, secret: string): Promise<HookRow | null> {
    const hook = this.parts.hooks.find(id);
    if (hook === null || hook.direction !== "in" || hook.secret_hash === null) return null;
    return (await secretMatches(secret, hook.secret_hash)) ? hook : null;
  }

  /** Runs inside the transaction that stores the entry. */
  entryStored(room: string, entry: Entry): void {
    this.enqueue((origin) => entryEvent(room, origin, entry));
  }

  /** Runs in the step that deletes the entry (from the current log, or from its archive when only there). */
  entryDeleted(room: string, deleted: DeletedEntry): void {
    this.enqueue((origin) => deletedEvent(room, origin, deleted));
  }

  private enqueue(make: (origin: string) => QueuedEvent): void {
    if (this.anyOutgoing === false) return;
    const { hooks, outbox, clock } = this.parts;
    const active = hooks.activeOutgoing();
    this.anyOutgoing = active.length > 0;
    const now = clock.now();
    let wakeAt = Infinity;
    for (const hook of active) {
      if (hook.queued >= MAX_HOOK_QUEUE) {
        this.switchOff(hook, now, `${MAX_HOOK_QUEUE} events waiting`);
        continue;
      }
      const event = make(hook.origin);
      outbox.add(hook.id, event.event, event.key, event.body);
      hooks.queued(hook.id, 1);
      wakeAt = Math.min(wakeAt, Math.max(now, hook.next_attempt_at));
    }
    if (wakeAt !== Infinity) this.parts.wake(wakeAt);
  }

  /** Switches an outgoing hook off, drops what waits for it, and says so in the audit log. */
  switchOff(hook: HookRow, now: number, reason: string): void {
    const { hooks, outbox, audit } = this.parts;
    const dropped = outbox.dropAll(hook.id);
    hooks.disable(hook.id, now);
    this.anyOutgoing = null;
    const detail = { name: hook.name, to: hook.url, reason, failingSince: hook.failing_since, lastError: hook.last_error, dropped };
    audit.record({ at: now, actor: "room", action: "hook-off", target: hook.id, detail: JSON.stringify(detail) });
    logEvent({ event: "hook-off", hook: hook.id, name: hook.name, to: hook.url, reason, dropped });
  }
}
