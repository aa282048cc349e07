/**
 * Runs the `chaton` command of packages/client, built once per test file
 * with tsc, as its users run it: a child process with arguments, standard
 * streams and signals. Every wait is bounded.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "./wrangler-dev";

const run = promisify(execFile);
export const CLIENT_DIR = join(PROJECT_ROOT, "packages", "client");
const BIN = join(CLIENT_DIR, "dist", "cli", "bin.js");

let built: Promise<void> | null = null;

/** Builds the package (tsc -p packages/client), once per process. */
export function buildClient(): Promise<void> {
  built ??= run(join(PROJECT_ROOT, "node_modules", ".bin", "tsc"), ["-p", CLIENT_DIR], { timeout: 90_000 }).then(() => {});
  return built;
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `chaton <args>` to the end, with `stdin` as its standard input. */
export function chaton(args: string[], options: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...options.env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`chaton ${args.join(" ")} did not end within ${options.timeoutMs ?? 20_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? "");
  });
}

/** A running `chaton watch`: its output so far, line by line. */
export class Watcher {
  private stdout = "";
  private stderrText = "";
  private readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, "watch", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (chunk: Buffer) => (this.stdout += chunk.toString("utf8")));
    this.child.stderr!.on("data", (chunk: Buffer) => (this.stderrText += chunk.toString("utf8")));
    this.exited = new Promise((resolve) => this.child.on("close", (code) => resolve(code)));
  }

  /** Complete lines printed so far. */
  lines(): string[] {
    const complete = this.stdout.slice(0, this.stdout.lastIndexOf("\n") + 1);
    return complete === "" ? [] : complete.slice(0, -1).split("\n");
  }

  /** The JSON objects printed so far (with --json). */
  records<T = Record<string, unknown>>(): T[] {
    return this.lines().map((line) => JSON.parse(line) as T);
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Waits until `predicate` holds of the output, or fails after `ms`. */
  async waitFor(predicate: () => boolean, what: string, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`watch: ${what} did not happen within ${ms} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderrText}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Asks the watcher to stop (SIGTERM, as a service manager would) and returns its exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM", ms = 10_000): Promise<number | null> {
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), ms);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
