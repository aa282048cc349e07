import { HttpError } from "./errors";

const INTEGER = /^-?\d{1,15}$/;

/** An optional integer parameter; a value that is not an integer is a 400. */
export function integerParam(params: URLSearchParams | Map<string, string>, name: string): number | null {
  const value = params.get(name);
  if (value === null || value === undefined) return null;
  if (!INTEGER.test(value)) throw new HttpError(400, `Parameter ${name} must be an integer`);
  return Number(value);
}
