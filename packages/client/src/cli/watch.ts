/** chaton watch: the room, one line per entry, as the original watcher printed it. */
import { ChatonClient } from "../client.js";
import { fileStore } from "../node/file-store.js";
import { EXIT, UsageError } from "./exit.js";
import { jsonLine, watchLine } from "./format.js";
import type { Command } from "./io.js";
import { COMMON_OPTIONS, formatOption, parse, roomUrlArgument, transportOption } from "./options.js";

const HELP = `Usage: chaton watch <room-url> [options]

Prints every new entry of the room, one line each: HH:MM [room] nick: text
(local time; the lines of a multi-line text below it, indented). Connection
changes go to stderr. Stops on Ctrl-C or SIGTERM.

Options:
  --since now|log|<pos>  where to begin: now (default), the whole current log,
                         or after a position
  --json                 one JSON object per entry:
                         {"pos","nick","time":[sec,usec],"text","permalink"}
  --bell                 ring the terminal bell (on stderr) for each entry
  --cursor-file <file>   keep the position in <file> after each entry and
                         resume from it (it wins over --since once it exists)
  --transport auto|ws|comet  default auto: WebSocket, else comet
  --sexpr                comet replies as S-expressions (s=1), as the Gauche client
  --retry-max <seconds>  the longest wait between reconnects (default 30)
  --who <name>           the name apilogin logs (default chaton-watch)
  -h, --help             this help

Exit codes: 0 stopped by a signal; 1 the room could not be reached;
2 wrong arguments; 3 the room refused the login (no such room...).
`;

function sinceOption(value: string | undefined): "now" | "log" | number {
  if (value === undefined || value === "now" || value === "log") return value ?? "now";
  if (/^\d+$/.test(value)) return Number(value);
  throw new UsageError(`--since must be now, log or a position, not ${value}`);
}

export const watch: Command = {
  name: "watch",
  summary: "print a room's entries as they come",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...COMMON_OPTIONS,
      since: { type: "string" },
      json: { type: "boolean" },
      bell: { type: "boolean" },
      "cursor-file": { type: "string" },
      "retry-max": { type: "string" },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`);
    const roomUrl = roomUrlArgument(positionals[0]);
    const retryMax = values["retry-max"] === undefined ? 30 : Number(values["retry-max"]);
    if (!(retryMax >= 1)) throw new UsageError(`--retry-max must be at least 1 (seconds), not ${values["retry-max"]}`);
    const stop = new AbortController();
    io.onStop(() => stop.abort());
    const cursorFile = values["cursor-file"];
    const room = await ChatonClient.connect(roomUrl, {
      who: values.who ?? "chaton-watch",
      since: sinceOption(values.since),
      transport: transportOption(values.transport, "auto"),
      format: formatOption(values.sexpr),
      store: cursorFile === undefined ? undefined : fileStore(cursorFile),
      signal: stop.signal,
      fetch: io.fetch,
      backoff: { maxMs: retryMax * 1000 },
    });
    for await (const event of room.events()) {
      switch (event.type) {
        case "entry":
          io.out(values.json ? jsonLine(event) : watchLine(room.roomName, event));
          if (values.bell) io.err("\x07");
          break;
        case "connection":
          if (event.state === "lost") io.err(`connection lost (${event.reason}); retrying in ${(event.retryInMs! / 1000).toFixed(1)} s\n`);
          else io.err(`${event.state} to ${room.roomName} (${event.transport})${event.reason ? `: ${event.reason}` : ""}\n`);
          break;
        case "presence":
          io.err(`${event.nc} chatting\n`);
          break;
        case "reset":
          io.err("the room sent its whole log again\n");
          break;
        case "deleted":
          io.err(`deleted: ${event.permalink}\n`);
          break;
      }
    }
    return EXIT.ok;
  },
};
