import rooms from "../../migrations/directory/0001_rooms.sql";
import type { Migration } from "../room/storage/schema";

/** The Directory object's migrations (migrations/directory/), applied by the rooms' runner. */
export const DIRECTORY_MIGRATIONS: readonly Migration[] = [{ version: 1, name: "directory/0001_rooms.sql", sql: rooms }];
