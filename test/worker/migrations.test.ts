import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CurrentLog } from "../../src/room/storage/current-log";
import { MIGRATIONS, migrate, schemaVersion, type Migration } from "../../src/room/storage/schema";

const LATEST = MIGRATIONS.at(-1)!.version;

/** Runs `fn` on the storage of a new room object. */
function withStorage<R>(fn: (storage: DurableObjectStorage) => R): Promise<R> {
  const stub = env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID()));
  return runInDurableObject(stub, (_instance, state) => fn(state.storage));
}

/** Drops every table of ours, leaving a database as a new object has it. */
function blank(storage: DurableObjectStorage): void {
  const tables = storage.sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .toArray();
  // Dropping a virtual table (search's FTS5 index) drops its shadow tables with it.
  for (const { name } of tables) storage.sql.exec(`DROP TABLE IF EXISTS "${name}"`);
}

function addEntries(storage: DurableObjectStorage, count: number): void {
  for (let i = 1; i <= count; i++) {
    storage.sql.exec(
      "INSERT INTO entries (seq, nick, sec, usec, text, ip) VALUES (?, ?, ?, ?, ?, ?)",
      i,
      `nick${i}`,
      1700000000 + i,
      i,
      `text ${i} ü`,
      "192.0.2.9",
    );
  }
}

const entriesOf = (storage: DurableObjectStorage) => storage.sql.exec("SELECT seq, nick, sec, usec, text, ip FROM entries ORDER BY seq").toArray();

describe("schema migrations", () => {
  it("should bring a new room to the latest version and record each version once", async () => {
    const rows = await withStorage((storage) => storage.sql.exec("SELECT version, name FROM schema_migrations ORDER BY version").toArray());
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });

  it("should number the migrations 1, 2, ... after their files", () => {
    MIGRATIONS.forEach((m, i) => {
      expect(m.version).toBe(i + 1);
      expect(m.name).toMatch(new RegExp(`^${String(i + 1).padStart(4, "0")}_[a-z0-9_]+\\.sql$`));
    });
  });

  it("should do nothing when run again at the latest version", async () => {
    const [before, version, after] = await withStorage((storage) => {
      addEntries(storage, 3);
      const snapshot = entriesOf(storage);
      return [snapshot, migrate(storage), entriesOf(storage)];
    });
    expect(version).toBe(LATEST);
    expect(after).toEqual(before);
  });

  it("should upgrade a room created at each earlier real version with its entries intact", async () => {
    for (let n = 1; n < LATEST; n++) {
      const [version, entries] = await withStorage((storage) => {
        blank(storage);
        migrate(storage, MIGRATIONS.slice(0, n));
        addEntries(storage, 5);
        return [migrate(storage), entriesOf(storage)];
      });
      expect(version).toBe(LATEST);
      expect(entries).toHaveLength(5);
    }
  });

  it("should upgrade a room at version N to N+1 with its data intact", async () => {
    const next: Migration = {
      version: LATEST + 1,
      name: `${String(LATEST + 1).padStart(4, "0")}_test_edited.sql`,
      sql: "ALTER TABLE entries ADD COLUMN edited INTEGER NOT NULL DEFAULT 0;\nCREATE TABLE test_notes (id INTEGER PRIMARY KEY, note TEXT);",
    };
    const result = await withStorage((storage) => {
      addEntries(storage, 4);
      storage.sql.exec("UPDATE room_state SET seq = 4, last_sec = 1700000004, last_usec = 4");
      const before = entriesOf(storage);
      const version = migrate(storage, [...MIGRATIONS, next]);
      const log = new CurrentLog(storage);
      return {
        before,
        after: entriesOf(storage),
        edited: storage.sql.exec("SELECT edited FROM entries").toArray(),
        version,
        recorded: schemaVersion(storage.sql),
        end: log.end,
        appended: log.append({ nick: "new", text: "after upgrade" }, "ip", 1700000010_000),
      };
    });
    expect(result.version).toBe(LATEST + 1);
    expect(result.recorded).toBe(LATEST + 1);
    expect(result.after).toEqual(result.before);
    expect(result.edited).toEqual(Array(4).fill({ edited: 0 }));
    expect(result.end).toBe(4);
    expect(result.appended).toMatchObject({ seq: 5, nick: "new" });
  });

  it("should leave the database at its old version when a migration fails", async () => {
    const broken: Migration = { version: LATEST + 1, name: "broken.sql", sql: "CREATE TABLE half_done (x);\nTHIS IS NOT SQL;" };
    const result = await withStorage((storage) => {
      let error: unknown = null;
      try {
        migrate(storage, [...MIGRATIONS, broken]);
      } catch (e) {
        error = e;
      }
      const halfDone = storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'half_done'").toArray();
      return { failed: error !== null, version: schemaVersion(storage.sql), halfDone };
    });
    expect(result).toEqual({ failed: true, version: LATEST, halfDone: [] });
  });

  it("should refuse a list of migrations that skips a version", async () => {
    const skipping: Migration = { version: LATEST + 2, name: "skip.sql", sql: "SELECT 1;" };
    await expect(withStorage((storage) => migrate(storage, [...MIGRATIONS, skipping]))).rejects.toThrow(/skips a version/);
  });
});
