/** chaton search: the room's messages that match a query, newest pages as the room gives them. */
import { search as searchRoom } from "../search.js";
import { EXIT, UsageError } from "./exit.js";
import { resultLines } from "./format.js";
import type { Command } from "./io.js";
import { parse, roomUrlArgument } from "./options.js";

const HELP = `Usage: chaton search <room-url> <query...> [options]

Prints the room's messages that match the query (its words, joined with
spaces), as the room's search ranks them: each as YYYY-MM-DD HH:MM nick: text
(local time) followed by its permalink.

Options:
  --json         one JSON object per result: {"nick","time":[sec,usec],"text","permalink"}
  --limit <n>    at most n results (default 100)
  -h, --help     this help

Exit codes: 0 done (also when nothing matched); 1 the room could not be
reached; 2 wrong arguments; 3 the room refused (one without search answers 404).
`;

export const search: Command = {
  name: "search",
  summary: "search a room's messages",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      help: { type: "boolean", short: "h" },
      json: { type: "boolean" },
      limit: { type: "string" },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    const roomUrl = roomUrlArgument(positionals[0]);
    const query = positionals.slice(1).join(" ").trim();
    if (query === "") throw new UsageError("the query is missing");
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isSafeInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, not ${values.limit}`);
    const stop = new AbortController();
    io.onStop(() => stop.abort());
    for await (const result of searchRoom(roomUrl, query, { limit, fetch: io.fetch, signal: stop.signal })) {
      io.out(values.json ? `${JSON.stringify(result)}\n` : resultLines(result));
    }
    return EXIT.ok;
  },
};
