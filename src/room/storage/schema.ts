import init from "../../../migrations/0001_init.sql";
import archiveDays from "../../../migrations/0002_archive_days.sql";
import security from "../../../migrations/0003_security.sql";
import postIds from "../../../migrations/0004_post_ids.sql";
import search from "../../../migrations/0005_search.sql";
import imported from "../../../migrations/0006_import.sql";
import webhooks from "../../../migrations/0007_webhooks.sql";
import limits from "../../../migrations/0008_limits.sql";
import searchPending from "../../../migrations/0009_search_pending.sql";
import relays from "../../../migrations/0010_relays.sql";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration in migrations/, in the order they apply. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "0001_init.sql", sql: init },
  { version: 2, name: "0002_archive_days.sql", sql: archiveDays },
  { version: 3, name: "0003_security.sql", sql: security },
  { version: 4, name: "0004_post_ids.sql", sql: postIds },
  { version: 5, name: "0005_search.sql", sql: search },
  { version: 6, name: "0006_import.sql", sql: imported },
  { version: 7, name: "0007_webhooks.sql", sql: webhooks },
  { version: 8, name: "0008_limits.sql", sql: limits },
  { version: 9, name: "0009_search_pending.sql", sql: searchPending },
  { version: 10, name: "0010_relays.sql", sql: relays },
];

const CREATE_VERSION_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
)`;

export function schemaVersion(sql: SqlStorage): number {
  sql.exec(CREATE_VERSION_TABLE);
  const row = sql.exec<{ v: number | null }>("SELECT MAX(version) AS v FROM schema_migrations").one();
  return row.v ?? 0;
}

/**
 * Applies, in order, each migration newer than the database, each in its own
 * transaction together with the row that records it, so a crash leaves the
 * database at a whole version.
 */
export function migrate(storage: DurableObjectStorage, migrations: readonly Migration[] = MIGRATIONS, nowMs: number = Date.now()): number {
  let version = schemaVersion(storage.sql);
  for (const migration of migrations) {
    if (migration.version <= version) continue;
    if (migration.version !== version + 1) {
      throw new Error(`migration ${migration.name} skips a version after ${version}`);
    }
    storage.transactionSync(() => {
      storage.sql.exec(migration.sql);
      storage.sql.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", migration.version, migration.name, nowMs);
    });
    version = migration.version;
  }
  return version;
}
