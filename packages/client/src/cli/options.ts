/** Options several commands share, parsed with node:util's parseArgs. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { ReplyFormat } from "../replies.js";
import { UsageError } from "./exit.js";

export const COMMON_OPTIONS = {
  help: { type: "boolean", short: "h" },
  who: { type: "string" },
  transport: { type: "string" },
  sexpr: { type: "boolean" },
} as const satisfies ParseArgsConfig["options"];

export function parse<O extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function transportOption(value: string | undefined, fallback: "auto" | "ws" | "comet"): "auto" | "ws" | "comet" {
  if (value === undefined) return fallback;
  if (value === "auto" || value === "ws" || value === "comet") return value;
  throw new UsageError(`--transport must be auto, ws or comet, not ${value}`);
}

export function formatOption(sexpr: boolean | undefined): ReplyFormat {
  return sexpr ? "sexpr" : "json";
}

export function roomUrlArgument(value: string | undefined): string {
  if (value === undefined) throw new UsageError("the room's URL is missing");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`not a URL: ${value}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`not an http(s) URL: ${value}`);
  return url.href;
}
