import type { Clock } from "../../clock";
import { cleanPost, type Entry } from "../../protocol/entry";
import { MSGID_MEMORY_MS } from "../../protocol/limits";
import type { PostResult } from "../../protocol/relay";
import { MSGID_PATTERN } from "../../protocol/wire";
import type { Fanout } from "../live/fanout";
import type { CurrentLog } from "../storage/current-log";
import type { PostIds } from "../storage/post-ids";
import type { Admission } from "./admission";
import type { AuthorSecrets, DeleteGrant } from "./author-secrets";

export interface PostInput {
  nick: string;
  text: string;
  /** The address it came from. */
  ip: string;
  /** A client-made id: a post repeated with the same nick and msgid is stored once. */
  msgid: string | null;
  /** The client's own key for its limit (a socket, a long-poll cid, a webhook), or null: then its address and nick are. */
  client: string | null;
}

/** What became of a post; each transport turns it into its own acknowledgement. */
export type PostOutcome =
  /** Stored: the grant lets its author delete it for a while. */
  | { kind: "stored"; pos: number; entry: Entry; grant: Promise<DeleteGrant> }
  /** Seen before with this msgid: answered as the first was (with its grant while the entry is in the log). */
  | { kind: "repeated"; pos: number; grant: Promise<DeleteGrant> | null }
  /** From a blocked address: answered as if stored, as the original does, with a grant that deletes nothing. */
  | { kind: "blocked"; pos: number; grant: Promise<DeleteGrant> }
  /** Nick or text empty once cleaned: not stored, and still a success. */
  | { kind: "empty"; pos: number }
  | { kind: "rate-limited"; retryAfter: number };

/** Runs inside the transaction that stores an entry (the webhooks' outbox keeps in step this way). */
export type StoredHook = (entry: Entry) => void;

/**
 * The one write path. Every way in (the poster, a socket frame, and later a
 * webhook or an import) hands its post here: cleaned, admitted (blocklist and
 * limits), stored in one transaction with what must change with it, published
 * to every listener, and answered with one outcome.
 */
export class WritePath {
  constructor(
    private readonly storage: Pick<DurableObjectStorage, "transactionSync">,
    private readonly log: CurrentLog,
    private readonly postIds: PostIds,
    private readonly admission: Admission,
    private readonly fanout: Fanout,
    private readonly secrets: AuthorSecrets,
    private readonly clock: Clock,
    private readonly onStored: readonly StoredHook[] = [],
  ) {}

  submit(input: PostInput): PostOutcome {
    const clean = cleanPost(input.nick, input.text);
    if (clean === null) return { kind: "empty", pos: this.log.end };
    const now = this.clock.now();
    if (input.msgid !== null) {
      const seen = this.postIds.find(clean.nick, input.msgid, now - MSGID_MEMORY_MS);
      if (seen !== null) {
        const first = this.log.at(seen);
        return { kind: "repeated", pos: seen, grant: first === null ? null : this.secrets.grant(first) };
      }
    }
    const admission = this.admission.admit({ ip: input.ip, client: input.client, nick: clean.nick });
    if (admission === "blocked") return { kind: "blocked", pos: this.log.end, grant: Promise.resolve(this.secrets.decoy(now)) };
    if (admission > 0) return { kind: "rate-limited", retryAfter: admission };
    let entry: Entry;
    try {
      entry = this.storage.transactionSync(() => {
        const stored = this.log.append(clean, input.ip, now);
        if (input.msgid !== null) this.postIds.record(clean.nick, input.msgid, stored.seq, now, now - MSGID_MEMORY_MS);
        for (const hook of this.onStored) hook(stored);
        return stored;
      });
    } catch (error) {
      this.log.reload();
      throw error;
    }
    this.fanout.entries(entry.seq - 1);
    // The grant's HMAC waits until listeners are told: work done before the commit delays it, and every delivery with it.
    const grant = this.fanout.published().then(() => this.secrets.grant(entry));
    return { kind: "stored", pos: entry.seq, entry, grant };
  }
}

/** An outcome with its grant made: plain data, for a socket's ack and a relay's answer. */
export async function settled(outcome: PostOutcome): Promise<PostResult> {
  if (outcome.kind === "rate-limited") return outcome;
  const grant = outcome.kind === "empty" ? null : await outcome.grant;
  return { kind: outcome.kind, pos: outcome.pos, grant };
}

/** Whether a client-made post id has the allowed shape (MSGID_RULE says it). */
export function isValidMsgid(msgid: string): boolean {
  return MSGID_PATTERN.test(msgid);
}
