import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { entryAnchor, permalink, type Entry } from "../../protocol/entry";
import { base64url, sameText, utf8 } from "../../security/bytes";
import type { RoomMeta } from "../storage/room-meta";

/** What a poster gets with the acknowledgement of a stored post: the entry's permalink and the secret that deletes it. */
export interface DeleteGrant {
  permalink: string;
  secret: string;
}

/** A secret is the first 16 bytes (128 bits) of the HMAC, base64url: 22 characters. */
const SECRET_BYTES = 16;

const fromHex = (text: string) => Uint8Array.from(text.match(/../g)!, (pair) => parseInt(pair, 16));

/**
 * The per-post secrets that let an author delete their own post. Each is an
 * HMAC of the entry's anchor under a key kept in the room's storage, so
 * nothing per post is stored and a secret names exactly one entry. The key is
 * made on first use; HMAC is computed synchronously (@noble/hashes), so a
 * socket's acknowledgement needs no await.
 */
export class AuthorSecrets {
  /** The HMAC with the room's key already taken in: each secret starts from a copy, not from the key. */
  private keyed: ReturnType<typeof hmac.create> | null = null;

  constructor(private readonly meta: Pick<RoomMeta, "authorKey">) {}

  private secretOf(anchor: string): string {
    this.keyed ??= hmac.create(sha256, fromHex(this.meta.authorKey()));
    return base64url(this.keyed.clone().update(utf8.encode(anchor)).digest().subarray(0, SECRET_BYTES));
  }

  /** The grant for an entry just stored. */
  grant(entry: Pick<Entry, "sec" | "usec">): DeleteGrant {
    return { permalink: permalink(entry), secret: this.secretOf(entryAnchor(entry)) };
  }

  /**
   * A grant shaped like a real one for a post answered as stored but dropped
   * (a blocked address): its secret is random, so it deletes nothing, not even
   * an entry that later gets the same timestamp.
   */
  decoy(nowMs: number): DeleteGrant {
    const sec = Math.floor(nowMs / 1000);
    const usec = Math.floor(nowMs % 1000) * 1000;
    return { permalink: permalink({ sec, usec }), secret: base64url(crypto.getRandomValues(new Uint8Array(SECRET_BYTES))) };
  }

  /** Whether `secret` is the one for the entry with this anchor (compared in constant time). */
  matches(anchor: string, secret: string): boolean {
    return sameText(secret, this.secretOf(anchor));
  }
}
