/** chaton post: one post, its position printed once the room has stored it. */
import { ChatonClient } from "../client.js";
import { RateLimitedError } from "../errors.js";
import { EXIT, UsageError } from "./exit.js";
import type { Command } from "./io.js";
import { COMMON_OPTIONS, formatOption, parse, roomUrlArgument, transportOption } from "./options.js";

const HELP = `Usage: chaton post <room-url> --nick <nick> [text...]

Posts the text (the words given, joined with spaces; standard input when
none) and prints the entry's position once the room has stored it ("stored"
on an original Gauche server, which does not tell the position).

Options:
  -n, --nick <nick>      who is posting (required)
  --msgid <id>           the post's id (1-64 of A-Z a-z 0-9 _ . : -): the room
                         stores a post with an id it saw in the last 10 minutes
                         only once (default: a fresh random id)
  --transport auto|ws|comet  default comet (the poster); ws posts over a socket
  --sexpr                ask for S-expression replies, as the Gauche client
  --who <name>           the name apilogin logs (default chaton-post)
  -h, --help             this help

Exit codes: 0 stored; 1 the room could not be reached, or gave no answer in
time (the post may or may not be stored); 2 wrong arguments; 3 refused (the
reason on stderr; also a text that is empty once cleaned); 4 rate-limited
(stderr says how many seconds to wait).
`;

export const post: Command = {
  name: "post",
  summary: "post a message and print its position",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...COMMON_OPTIONS,
      nick: { type: "string", short: "n" },
      msgid: { type: "string" },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    const roomUrl = roomUrlArgument(positionals[0]);
    if (values.nick === undefined || values.nick.trim() === "") throw new UsageError("--nick is required");
    const text = positionals.length > 1 ? positionals.slice(1).join(" ") : await io.readStdin();
    const room = await ChatonClient.connect(roomUrl, {
      who: values.who ?? "chaton-post",
      transport: transportOption(values.transport, "comet"),
      format: formatOption(values.sexpr),
      fetch: io.fetch,
    });
    io.onStop(() => room.close());
    try {
      const result = await room.post(values.nick, text, { msgid: values.msgid });
      io.out(`${result.pos ?? "stored"}\n`);
      return EXIT.ok;
    } catch (error) {
      if (error instanceof RateLimitedError) io.err(`chaton post: rate-limited; retry in ${error.retryAfter} s\n`);
      throw error;
    } finally {
      room.close();
    }
  },
};
