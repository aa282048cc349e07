export declare const PROJECT_ROOT: string;

export interface DevOptions {
  /** The folder whose wrangler.toml runs; default the project. */
  cwd?: string;
  /** Where node_modules/.bin holds wrangler; default `cwd`. */
  root?: string;
  /** Reuse this persistence directory (e.g. after a crash); default a fresh temporary one. */
  persistDir?: string;
  /** Listen on this loopback port (e.g. to restart a server where its clients expect it); default a free one. */
  port?: number;
  /** `--var KEY:VALUE` bindings. */
  vars?: Record<string, string>;
  label?: string;
  /** Answered 200 once the server is ready; default /lobby/var/seq. */
  readyPath?: string;
  readyTimeoutMs?: number;
  /** More directories to remove once the server has stopped. */
  cleanup?: string[];
  /** wrangler's --log-level; default warn, which hides the rooms' info lines ("log" shows them). */
  logLevel?: "log" | "info" | "warn";
  /** Called with each chunk the server prints. */
  onOutput?: (chunk: string) => void;
}

export interface DevServer {
  label: string;
  /** The server's origin, e.g. "http://127.0.0.1:41234" (no trailing slash). */
  url: string;
  port: number;
  /** The DevTools inspector's port (for CPU profiles). */
  inspectorPort: number;
  /** Where the server persists its Durable Object storage. */
  persistDir: string;
  pgid: number;
  cwd: string;
  root: string;
  /** The tail of wrangler's output. */
  output(): string;
  alive(): boolean;
  /** Stops the server gracefully; a persistence directory it made itself is removed. */
  stop(): Promise<void>;
  /** Kills the server's process group at once with SIGKILL, as a crash would; the persistence directory stays. */
  kill(): Promise<void>;
}

export declare function startDev(options?: DevOptions): Promise<DevServer>;
export declare function freePort(): Promise<number>;
export declare function killAllNow(): void;
export declare function groupMembers(pgid: number): Promise<{ pid: number; comm: string; ticks: number }[]>;
