/**
 * What the room page remembers in the browser: the nickname (if asked), the
 * Return key choice, the words to highlight, notifications on or off; and per
 * room, the last entry seen and the secrets of one's own recent posts.
 */

const NICK = "chaton.nick";
const RETURN_POSTS = "chaton.returnPosts";
const WATCH_WORDS = "chaton.watchWords";
const NOTIFY = "chaton.notify";

export function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Storage can be disabled; the page works without remembering.
  }
}

export const prefs = {
  rememberedNick: (): string | null => read(NICK),
  rememberNick: (nick: string | null): void => write(NICK, nick),
  returnPosts: (): boolean => read(RETURN_POSTS) !== "0",
  setReturnPosts: (on: boolean): void => write(RETURN_POSTS, on ? "1" : "0"),
  watchWords: (): string => read(WATCH_WORDS) ?? "",
  setWatchWords: (words: string): void => write(WATCH_WORDS, words.trim() || null),
  notify: (): boolean => read(NOTIFY) === "1",
  setNotify: (on: boolean): void => write(NOTIFY, on ? "1" : null),
};
