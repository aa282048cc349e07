#!/usr/bin/env node
// The room administrator's command line: talks to /<room>/admin/... with the
// ADMIN_TOKEN secret. Run `npm run admin -- --help` for its usage.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";

const USAGE = `usage: npm run admin -- [--url URL] [--room NAME] COMMAND ...

  --url URL              the site (default $CHATON_URL, or http://127.0.0.1:8787)
  --room NAME            the room (default $CHATON_ROOM, or lobby)
  --help                 show this and exit

commands:
  block RULE [COMMENT]   add an address or CIDR range to the blocklist (its posts are dropped)
  unblock RULE           remove it
  list                   show the blocklist
  allow RULE [COMMENT]   add an address or CIDR range to the allowlist (held to no posting or client-id limit)
  disallow RULE          remove it
  allowlist              show the allowlist
  adduser USER           add a user (password from CHATON_PASSWORD, or asked)
  users                  list the users of a private room
  delete PERMALINK       delete an entry (a/YYYY/MM/DD#entry-...)
  audit                  show the audit log

The token comes from CHATON_ADMIN_TOKEN, or ADMIN_TOKEN in .dev.vars.`;

/** A mistake in the command line: what was wrong and the usage, on stderr, exit status 2. */
function usage(message) {
  if (message) console.error(message);
  console.error(USAGE);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
let url = process.env.CHATON_URL ?? "http://127.0.0.1:8787";
let room = process.env.CHATON_ROOM ?? "lobby";
while (args[0]?.startsWith("--")) {
  const flag = args.shift();
  const value = args.shift();
  if (value === undefined) usage(`${flag} needs a value`);
  if (flag === "--url") url = value;
  else if (flag === "--room") room = value;
  else usage(`unknown option ${flag}`);
}

function devVarsToken() {
  try {
    const line = readFileSync(".dev.vars", "utf8").split("\n").find((l) => l.startsWith("ADMIN_TOKEN="));
    return line?.slice("ADMIN_TOKEN=".length).replace(/^"(.*)"$/, "$1");
  } catch {
    return undefined;
  }
}

const token = process.env.CHATON_ADMIN_TOKEN ?? devVarsToken();
if (!token) usage("set CHATON_ADMIN_TOKEN (the ADMIN_TOKEN secret of the deployment)");

async function askPassword() {
  if (process.env.CHATON_PASSWORD) return process.env.CHATON_PASSWORD;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const password = await rl.question("password: ");
  rl.close();
  return password;
}

async function call(command, fields) {
  const init = { method: fields ? "POST" : "GET", headers: { Authorization: `Bearer ${token}` } };
  if (fields) init.body = new URLSearchParams(fields);
  const res = await fetch(`${url.replace(/\/$/, "")}/${room}/admin/${command}`, init);
  const text = await res.text();
  if (!res.ok) {
    console.error(`${res.status}: ${text.trim()}`);
    process.exit(1);
  }
  return JSON.parse(text);
}

const [command, ...rest] = args;
let result;
switch (command) {
  case "block":
    if (!rest[0]) usage("block needs a rule");
    result = await call("block", { rules: rest.length > 1 ? `${rest[0]} # ${rest.slice(1).join(" ")}` : rest[0] });
    break;
  case "unblock":
    if (!rest[0]) usage("unblock needs a rule");
    result = await call("unblock", { rules: rest[0] });
    break;
  case "list":
    result = await call("blocklist");
    process.stdout.write(result.blocklist || "(the blocklist is empty)\n");
    process.exit(0);
    break;
  case "allow":
    if (!rest[0]) usage("allow needs a rule");
    result = await call("allow", { rules: rest.length > 1 ? `${rest[0]} # ${rest.slice(1).join(" ")}` : rest[0] });
    break;
  case "disallow":
    if (!rest[0]) usage("disallow needs a rule");
    result = await call("disallow", { rules: rest[0] });
    break;
  case "allowlist":
    result = await call("allowlist");
    process.stdout.write(result.allowlist || "(the allowlist is empty)\n");
    process.exit(0);
    break;
  case "adduser":
    if (!rest[0]) usage("adduser needs a user name");
    result = await call("users", { user: rest[0], password: await askPassword() });
    break;
  case "users":
    result = await call("users");
    break;
  case "delete":
    if (!rest[0]) usage("delete needs a permalink");
    result = await call("delete", { permalink: rest[0] });
    break;
  case "audit":
    result = await call("audit");
    for (const e of result.audit) console.log(`${new Date(e.at).toISOString()} ${e.actor} ${e.action} ${e.target} ${e.detail}`);
    process.exit(0);
    break;
  default:
    usage(command ? `unknown command ${command}` : undefined);
}
if (result.errors?.length) for (const e of result.errors) console.error(`line ${e.line}: ${e.reason}: ${e.text}`);
const { ok, ...shown } = result;
console.log(JSON.stringify(shown, null, 2));
process.exit(result.errors?.length ? 1 : 0);
