/** Facts about the room itself (table room_meta). */
export class RoomMeta {
  constructor(private readonly sql: SqlStorage) {}

  /** The room's name as recorded on its first request (rooms made before the runtime gave ctx.id.name). */
  name(): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = 'name'").toArray()[0]?.value ?? null;
  }

  recordName(name: string): void {
    if (this.name() !== name) this.sql.exec("INSERT OR REPLACE INTO room_meta (key, value) VALUES ('name', ?)", name);
  }
}
