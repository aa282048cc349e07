/** What a command touches of the outside world, so that it can run in a test. */
import type { Fetch } from "../http.js";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  /** Calls `stop` when the process is asked to end (SIGINT, SIGTERM). */
  onStop(stop: () => void): void;
  fetch?: Fetch;
}

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: Io): Promise<number>;
}
