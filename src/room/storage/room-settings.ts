import { parseRoom, roomTable, type RoomConfig } from "../../config";

/** What a room made at run time was told of itself by the directory. */
export interface StoredSettings {
  config: RoomConfig;
  /** When it was closed (ms), or null while open. */
  closedAt: number | null;
}

/**
 * The settings of a room made at run time, as the directory last gave them
 * (rows `settings` and `closed_at` of table room_meta): the room reads them
 * without asking, also when it wakes for a socket or the alarm.
 */
export class RoomSettings {
  constructor(private readonly sql: SqlStorage) {}

  get(): StoredSettings | null {
    const rows = this.sql.exec<{ key: string; value: string }>("SELECT key, value FROM room_meta WHERE key IN ('settings', 'closed_at')").toArray();
    const settings = rows.find((row) => row.key === "settings");
    if (settings === undefined) return null;
    const closedAt = rows.find((row) => row.key === "closed_at");
    return { config: parseRoom(JSON.parse(settings.value)), closedAt: closedAt === undefined ? null : Number(closedAt.value) };
  }

  save(config: RoomConfig, closedAt: number | null): void {
    this.sql.exec("INSERT OR REPLACE INTO room_meta (key, value) VALUES ('settings', ?)", JSON.stringify(roomTable(config)));
    if (closedAt === null) this.sql.exec("DELETE FROM room_meta WHERE key = 'closed_at'");
    else this.sql.exec("INSERT OR REPLACE INTO room_meta (key, value) VALUES ('closed_at', ?)", String(closedAt));
  }
}
