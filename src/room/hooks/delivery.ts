import { JSON_TYPE } from "../../protocol/content-types";
import { logEvent } from "../../log";
import type { Clock } from "../../clock";
import {
  HOOK_DELIVERIES_PER_RUN,
  HOOK_DELIVERY_TIMEOUT_MS,
  HOOK_GIVE_UP_MS,
  HOOK_RETRY_FIRST_MS,
  HOOK_RETRY_MAX_MS,
  HOOK_RUN_BUDGET_MS,
} from "../../protocol/limits";
import { EVENT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER } from "../../protocol/webhooks";
import { signBody } from "../../security/hook-secrets";
import type { HookOutbox, OutboxEvent } from "../storage/hook-outbox";
import type { HookRow, Hooks } from "../storage/hooks";
import type { Webhooks } from "./webhooks";

/** How the room reaches receivers: `fetch`, or a test's stand-in. */
export type HookFetch = (request: Request) => Promise<Response>;

export interface DeliveryParts {
  hooks: Hooks;
  outbox: HookOutbox;
  webhooks: Pick<Webhooks, "switchOff">;
  clock: Clock;
  send: HookFetch;
}

/** The wait after the n-th failure in a row: doubling from HOOK_RETRY_FIRST_MS, at most HOOK_RETRY_MAX_MS. */
function retryDelay(failures: number): number {
  return Math.min(HOOK_RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1), HOOK_RETRY_MAX_MS);
}

/** One try: null when the receiver answered 2xx, else what went wrong. */
async function post(send: HookFetch, hook: HookRow, event: OutboxEvent): Promise<string | null> {
  try {
    const request = new Request(hook.url!, {
      method: "POST",
      headers: {
        "Content-Type": JSON_TYPE,
        "User-Agent": "Chaton-Webhook",
        [SIGNATURE_HEADER]: await signBody(hook.signing_key!, event.body),
        [EVENT_HEADER]: event.event,
        [IDEMPOTENCY_HEADER]: event.key,
      },
      body: event.body,
      // A receiver that moved says so in the failure; a signed body is not sent on elsewhere.
      redirect: "manual",
      signal: AbortSignal.timeout(HOOK_DELIVERY_TIMEOUT_MS),
    });
    const response = await send(request);
    await response.body?.cancel();
    return response.status >= 200 && response.status < 300 ? null : `HTTP ${response.status}`;
  } catch (error) {
    return String(error).slice(0, 200);
  }
}

/**
 * Sends one hook's waiting events, oldest first, one at a time, so the
 * receiver sees positions in order. An event leaves the queue only after a
 * 2xx (at least once: a crash before that sends it again, with the same
 * Idempotency-Key). A failure stops the hook until its back-off ends; a hook
 * failing for HOOK_GIVE_UP_MS is switched off.
 */
async function deliverTo(parts: DeliveryParts, hook: HookRow): Promise<void> {
  const { hooks, outbox, clock } = parts;
  const started = clock.now();
  for (let sent = 0; sent < HOOK_DELIVERIES_PER_RUN && clock.now() - started < HOOK_RUN_BUDGET_MS; sent++) {
    const event = outbox.head(hook.id);
    if (event === null) {
      hooks.resetQueued(hook.id);
      return;
    }
    const problem = await post(parts.send, hook, event);
    // The hook may have been removed or switched off while the request was out.
    const now = clock.now();
    const current = hooks.find(hook.id);
    if (current === null || current.disabled_at !== null) return;
    if (problem === null) {
      outbox.remove(event.id);
      hooks.delivered(hook.id);
      continue;
    }
    if (current.failing_since !== null && now - current.failing_since >= HOOK_GIVE_UP_MS) {
      parts.webhooks.switchOff({ ...current, last_error: problem }, now, `failing since ${new Date(current.failing_since).toISOString()}`);
      return;
    }
    hooks.failed(hook.id, now, now + retryDelay(current.attempts + 1), problem);
    logEvent({ event: "hook-failed", hook: hook.id, attempts: current.attempts + 1, error: problem });
    return;
  }
}

/**
 * The webhooks' job of the room's alarm: every outgoing hook whose next try
 * is due gets its waiting events (hooks side by side, each in order).
 * Returns when the alarm should come back for them, or null when nothing waits.
 */
export async function deliverWebhooks(parts: DeliveryParts): Promise<number | null> {
  await Promise.all(parts.hooks.due(parts.clock.now()).map((hook) => deliverTo(parts, hook)));
  return nextDelivery(parts.hooks, parts.clock.now());
}

/** When delivery should next run: at once for a hook with events and no back-off, or when the earliest back-off ends. */
export function nextDelivery(hooks: Pick<Hooks, "nextAttempt">, now: number): number | null {
  const at = hooks.nextAttempt();
  return at === null ? null : Math.max(at, now);
}
