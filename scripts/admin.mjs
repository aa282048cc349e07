#!/usr/bin/env node
// The room administrator's command line: talks to /<room>/admin/... with the
// ADMIN_TOKEN secret. Usage: npm run admin -- [--url URL] [--room NAME] COMMAND ...
//   block RULE [COMMENT]   add an address or CIDR range to the blocklist
//   unblock RULE           remove it
//   list                   show the blocklist
//   adduser USER           add a user (password from CHATON_PASSWORD, or asked)
//   users                  list the users of a private room
//   delete PERMALINK       delete an entry (a/YYYY/MM/DD#entry-...)
//   audit                  show the audit log
// The token comes from CHATON_ADMIN_TOKEN, or ADMIN_TOKEN in .dev.vars.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";

function usage(message) {
  if (message) console.error(message);
  console.error("usage: npm run admin -- [--url http://127.0.0.1:8787] [--room lobby] block RULE [COMMENT] | unblock RULE | list | adduser USER | users | delete PERMALINK | audit");
  process.exit(2);
}

const args = process.argv.slice(2);
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
