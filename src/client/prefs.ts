/** What the room page remembers in the browser: the nickname (if asked) and the Return key choice. */

const NICK = "chaton.nick";
const RETURN_POSTS = "chaton.returnPosts";

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
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
};
