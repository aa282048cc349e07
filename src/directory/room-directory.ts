import { ConfigError, parseRoom, ROOM_NAME, roomTable, type RoomConfig } from "../config";
import { HttpError } from "../http/errors";
import { ROOM_TABLE_KEYS, type ListedRoom, type RoomTable } from "../protocol/directory";
import { MAX_DIRECTORY_ROOMS } from "../protocol/limits";

interface RoomRow extends Record<string, SqlStorageValue> {
  name: string;
  settings: string;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
}

const SELECT = "SELECT name, settings, created_at, updated_at, closed_at FROM rooms";

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function listed(row: RoomRow): ListedRoom {
  return { settings: JSON.parse(row.settings) as RoomTable, createdAt: row.created_at, updatedAt: row.updated_at, closedAt: row.closed_at };
}

/** A configuration from settings given at run time: a ConfigError becomes a 400 with its message. */
function configFrom(table: Record<string, unknown>): RoomConfig {
  try {
    return parseRoom(table);
  } catch (error) {
    if (error instanceof ConfigError) throw new HttpError(400, error.message);
    throw error;
  }
}

function settingsOf(raw: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new HttpError(400, "Expected the room's settings as a JSON object");
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) throw new HttpError(400, `Unknown room setting ${JSON.stringify(key)}; known: ${allowed.join(", ")}`);
  }
  return raw as Record<string, unknown>;
}

/**
 * The rooms made at run time (table rooms of the Directory object), and the
 * rules for making, changing and closing them. Rooms declared in
 * wrangler.toml are not here and cannot be changed at run time; no name is
 * taken twice, in any case of its letters, nor after its room was closed.
 */
export class RoomDirectory {
  constructor(
    private readonly sql: SqlStorage,
    /** The rooms of wrangler.toml. */
    private readonly declared: ReadonlyMap<string, RoomConfig>,
  ) {}

  list(): ListedRoom[] {
    return this.sql.exec<RoomRow>(`${SELECT} ORDER BY created_at, name`).toArray().map(listed);
  }

  find(name: string): ListedRoom | null {
    const row = this.sql.exec<RoomRow>(`${SELECT} WHERE name = ?`, name).toArray()[0];
    return row === undefined ? null : listed(row);
  }

  create(raw: unknown, now: number): ListedRoom {
    const table = settingsOf(raw, ["name", ...ROOM_TABLE_KEYS]);
    const name = table["name"];
    if (typeof name !== "string" || name === "") throw new HttpError(400, "A room needs a name");
    if (!ROOM_NAME.test(name)) throw new HttpError(400, "A room name is 1 to 64 letters, digits, - and _, and starts with a letter or digit");
    const declared = [...this.declared.keys()].find((known) => known.toLowerCase() === name.toLowerCase());
    if (declared !== undefined) throw new HttpError(409, `Room ${declared} exists (declared in wrangler.toml)`);
    const taken = this.sql.exec<RoomRow>(`${SELECT} WHERE name = ? COLLATE NOCASE`, name).toArray()[0];
    if (taken !== undefined) {
      if (taken.closed_at !== null)
        throw new HttpError(409, `Room ${taken.name} was closed on ${day(taken.closed_at)}; the name of a closed room is not used again`);
      throw new HttpError(409, `Room ${taken.name} exists`);
    }
    const count = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM rooms").one().n;
    if (count >= MAX_DIRECTORY_ROOMS) throw new HttpError(409, `The directory is full: ${MAX_DIRECTORY_ROOMS} rooms`);
    const settings = roomTable(configFrom(table));
    this.sql.exec("INSERT INTO rooms (name, settings, created_at, updated_at, closed_at) VALUES (?, ?, ?, ?, NULL)", name, JSON.stringify(settings), now, now);
    return { settings, createdAt: now, updatedAt: now, closedAt: null };
  }

  /**
   * Changes the settings given (all but the name); null for posts_per_minute,
   * hold_seconds or listeners_per_object goes back to the site's value or the default. Making a room private
   * makes its login strict unless the change says otherwise.
   */
  update(name: string, raw: unknown, now: number): ListedRoom {
    const changes = settingsOf(raw, ROOM_TABLE_KEYS);
    const room = this.open(name);
    const table: Record<string, unknown> = { ...room.settings, ...changes };
    for (const key of ["posts_per_minute", "hold_seconds", "listeners_per_object"]) if (table[key] === null) delete table[key];
    if (changes["private"] === true && changes["login"] === undefined) table["login"] = "strict";
    const settings = roomTable(configFrom(table));
    this.sql.exec("UPDATE rooms SET settings = ?, updated_at = ? WHERE name = ?", JSON.stringify(settings), now, name);
    return { ...room, settings, updatedAt: now };
  }

  /** Closes the room; closing a closed room again changes nothing and answers the same. */
  close(name: string, now: number): ListedRoom {
    this.refuseDeclared(name, "remove it there and deploy");
    const room = this.find(name);
    if (room === null) throw new HttpError(404, `No room ${name} in the directory`);
    if (room.closedAt !== null) return room;
    this.sql.exec("UPDATE rooms SET closed_at = ?, updated_at = ? WHERE name = ?", now, now, name);
    return { ...room, closedAt: now, updatedAt: now };
  }

  private open(name: string): ListedRoom {
    this.refuseDeclared(name, "change it there and deploy");
    const room = this.find(name);
    if (room === null) throw new HttpError(404, `No room ${name} in the directory`);
    if (room.closedAt !== null) throw new HttpError(409, `Room ${name} was closed on ${day(room.closedAt)}`);
    return room;
  }

  private refuseDeclared(name: string, what: string): void {
    if (this.declared.has(name)) throw new HttpError(409, `Room ${name} is declared in wrangler.toml: ${what}`);
  }
}
