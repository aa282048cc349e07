#!/usr/bin/env node
/** The `chaton` executable: the process's arguments, streams and signals for main(). */
import { main } from "./main.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const stops: (() => void)[] = [];
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    for (const stop of stops) stop();
  });
}

const code = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readStdin,
  onStop: (stop) => stops.push(stop),
});
// Exit once the output is written, whatever handle a closed connection may still hold.
process.stdout.write("", () => process.exit(code));
