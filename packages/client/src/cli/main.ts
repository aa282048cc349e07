/** The `chaton` command: dispatches to watch, post or search, and turns errors into exit codes. */
import { EXIT, exitCodeOf, UsageError } from "./exit.js";
import type { Command, Io } from "./io.js";
import { post } from "./post.js";
import { search } from "./search.js";
import { watch } from "./watch.js";

const COMMANDS: Command[] = [watch, post, search];

export const HELP = `Usage: chaton <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(8)}${c.summary}`).join("\n")}

Run chaton <command> --help for a command's options.

Exit codes: 0 done; 1 the room could not be reached (or gave no answer in
time); 2 wrong arguments; 3 the room refused; 4 rate-limited.
`;

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`chaton: unknown command ${name}\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(`chaton ${name}: ${message}\n`);
    if (error instanceof UsageError) io.err(`Run chaton ${name} --help for usage.\n`);
    return exitCodeOf(error);
  }
}
