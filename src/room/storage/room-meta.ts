import { hex } from "../../security/bytes";

/** Facts about the room itself (table room_meta). */
export class RoomMeta {
  constructor(private readonly sql: SqlStorage) {}

  /** The room's name as recorded on its first request (rooms made before the runtime gave ctx.id.name). */
  name(): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = 'name'").toArray()[0]?.value ?? null;
  }

  /** The room's key for authors' delete secrets, hex; made on first use, kept for good. */
  authorKey(): string {
    const fresh = hex(crypto.getRandomValues(new Uint8Array(32)));
    // A key already there wins, so secrets handed out before stay valid.
    this.sql.exec("INSERT OR IGNORE INTO room_meta (key, value) VALUES ('author_key', ?)", fresh);
    return this.sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = 'author_key'").one().value;
  }

  /** The post sequence the last import set: the room's own posts come after it. */
  importedSequence(): number {
    return Number(this.sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = 'imported_sequence'").toArray()[0]?.value ?? 0);
  }

  recordImportedSequence(sequence: number): void {
    this.sql.exec("INSERT OR REPLACE INTO room_meta (key, value) VALUES ('imported_sequence', ?)", String(sequence));
  }

  recordName(name: string): void {
    if (this.name() !== name) this.sql.exec("INSERT OR REPLACE INTO room_meta (key, value) VALUES ('name', ?)", name);
  }
}
