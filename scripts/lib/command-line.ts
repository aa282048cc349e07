/** What the repository's command-line tools share: reading the command line, and failing with a message and an exit code. */

/** The options of every tool that talks to a site's admin API, for node:util's parseArgs. */
export const SITE_OPTIONS = {
  url: { type: "string", default: process.env["CHATON_URL"] ?? "http://127.0.0.1:8787" },
  room: { type: "string" },
  help: { type: "boolean", default: false },
} as const;

/** Prints `message` on stderr and exits: 1 for a failure, 2 for a usage error. */
export function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

/**
 * Runs `parse` (node:util's parseArgs with the tool's options): an unknown
 * option is a usage error (exit 2), and --help prints the usage (exit 0).
 */
export function readCommandLine<T extends { values: { help?: boolean | undefined } }>(usage: string, parse: () => T): T {
  // --help wins over anything else on the line, a mistake included.
  if (process.argv.slice(2).some((arg) => arg === "--help" || arg === "-h")) {
    console.log(usage);
    process.exit(0);
  }
  let parsed: T;
  try {
    parsed = parse();
  } catch (error) {
    return fail(`${(error as Error).message}\n${usage}`, 2);
  }
  if (parsed.values.help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed;
}
