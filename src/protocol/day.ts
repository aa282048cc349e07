/** UTC days, named YYYY/MM/DD as in archive URLs and keys. */

export const DAY_SECONDS = 86_400;

/** The UTC day of a time in seconds, as YYYY/MM/DD: the permalinks' day, defined once with the client library. */
export { utcDay as dayOf } from "../../packages/client/src/permalink";

/** The first second of a day. */
export function dayStart(day: string): number {
  const [y, m, d] = day.split("/").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / 1000;
}

/** The first second of the day that holds `sec`. */
export function startOfDay(sec: number): number {
  return Math.floor(sec / DAY_SECONDS) * DAY_SECONDS;
}

/** A day from URL parts, or null unless they name a real date (years 1970–9999). */
export function parseDay(year: string, month: string, day: string): string | null {
  if (!/^\d{4}$/.test(year) || !/^\d{2}$/.test(month) || !/^\d{2}$/.test(day)) return null;
  const [y, m, d] = [Number(year), Number(month), Number(day)];
  if (y < 1970 || m < 1 || m > 12 || d < 1) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${year}/${month}/${day}`;
}

/** The month of a day, YYYY/MM. */
export function monthOf(day: string): string {
  return day.slice(0, 7);
}
