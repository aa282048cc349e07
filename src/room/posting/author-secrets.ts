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
 * made on first use. The HMAC is the runtime's (WebCrypto): native, where a
 * script's SHA-256 costs a room that posts a few times a second far more,
 * its code never warm; acknowledgements wait for it as they wait for the
 * post's commit.
 */
export class AuthorSecrets {
  private key: Promise<CryptoKey> | null = null;

  constructor(private readonly meta: Pick<RoomMeta, "authorKey">) {}

  private async secretOf(anchor: string): Promise<string> {
    this.key ??= crypto.subtle.importKey("raw", fromHex(this.meta.authorKey()), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = await crypto.subtle.sign("HMAC", await this.key, utf8.encode(anchor));
    return base64url(new Uint8Array(mac, 0, SECRET_BYTES));
  }

  /** The grant for an entry just stored. */
  async grant(entry: Pick<Entry, "sec" | "usec">): Promise<DeleteGrant> {
    return { permalink: permalink(entry), secret: await this.secretOf(entryAnchor(entry)) };
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
  async matches(anchor: string, secret: string): Promise<boolean> {
    return sameText(secret, await this.secretOf(anchor));
  }
}
