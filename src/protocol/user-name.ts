import { MAX_USER_CHARS } from "./limits";

/** A private room's user name: 1 to MAX_USER_CHARS characters, no white space, no colon (basic credentials split at the first). */
export const USER_NAME = new RegExp(`^[^\\s:]{1,${MAX_USER_CHARS}}$`, "u");
