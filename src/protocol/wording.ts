/** The badge's words, as the original prints them. */

const UNITS: readonly [seconds: number, name: string][] = [
  [604_800, "week"],
  [86_400, "day"],
  [3_600, "hour"],
  [60, "minute"],
  [1, "second"],
];

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "N minutes ago" for the time since the last post, in the largest whole unit; "no known updates" when none. */
export function timeAgo(lastPostSec: number, nowSec: number): string {
  if (lastPostSec <= 0) return "no known updates";
  const elapsed = Math.max(0, Math.floor(nowSec - lastPostSec));
  for (const [seconds, name] of UNITS) {
    if (elapsed >= seconds) return `${plural(Math.floor(elapsed / seconds), name)} ago`;
  }
  return "0 seconds ago";
}

/** "N chatters", "1 chatter", "No chatters". */
export function chatters(n: number): string {
  return n === 0 ? "No chatters" : plural(n, "chatter");
}
