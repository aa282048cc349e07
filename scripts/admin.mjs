#!/usr/bin/env node
// The room administrator's command line: talks to /<room>/admin/... with the
// ADMIN_TOKEN secret. Run `npm run admin -- --help` for its usage.
import { createInterface } from "node:readline/promises";
import { adminToken } from "./lib/admin-token.mjs";

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

the site's rooms (the room directory) and a room's webhooks:
  room create NAME [--title T] [--description D] [--icon URL] [--private]
       [--login strict|loose] [--image-max-px N] [--posts-per-minute N] [--hold-seconds N]
       [--listeners-per-object N]
  room update NAME       the same options; --public; "default" for the last three: the site's value
  room list              every room: name, where it is declared, open or closed, title
  room close NAME        410 from then on; its archives stay readable
  webhook add ROOM NAME [--to URL]   incoming (prints its URL), or outgoing to URL (prints its secret)
  webhook list ROOM
  webhook remove ROOM ID

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

const token = adminToken();
if (!token) usage("set CHATON_ADMIN_TOKEN (the ADMIN_TOKEN secret of the deployment)");

async function askPassword() {
  if (process.env.CHATON_PASSWORD) return process.env.CHATON_PASSWORD;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const password = await rl.question("password: ");
  rl.close();
  return password;
}

const site = url.replace(/\/$/, "");

async function call(command, fields, inRoom = room) {
  return request(`${site}/${inRoom}/admin/${command}`, fields && { body: new URLSearchParams(fields) });
}

/** The room directory's admin API: JSON in and out. */
async function directory(path, json) {
  return request(`${site}/_admin/rooms${path}`, json && { body: JSON.stringify(json), headers: { "Content-Type": "application/json" } });
}

async function request(target, post) {
  const init = { method: post ? "POST" : "GET", headers: { Authorization: `Bearer ${token}`, ...post?.headers } };
  if (post) init.body = post.body;
  let res;
  try {
    res = await fetch(target, init);
  } catch (error) {
    console.error(`cannot reach ${site}: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
  const text = await res.text();
  if (!res.ok) {
    console.error(`${res.status}: ${text.trim()}`);
    process.exit(1);
  }
  return JSON.parse(text);
}

/** The room settings among `options`, under wrangler.toml's keys. */
function roomSettings(options) {
  const settings = {};
  const number = (flag) => {
    const value = options.take(flag);
    if (value === undefined) return undefined;
    if (value === "default") return null;
    if (!/^\d+(\.\d+)?$/.test(value)) usage(`${flag} takes a number`);
    return Number(value);
  };
  for (const [flag, key] of [
    ["--title", "title"],
    ["--description", "description"],
    ["--icon", "icon"],
    ["--login", "login"],
  ]) {
    const value = options.take(flag);
    if (value !== undefined) settings[key] = value;
  }
  for (const [flag, key] of [
    ["--image-max-px", "image_max_px"],
    ["--posts-per-minute", "posts_per_minute"],
    ["--hold-seconds", "hold_seconds"],
    ["--listeners-per-object", "listeners_per_object"],
  ]) {
    const value = number(flag);
    if (value !== undefined) settings[key] = value;
  }
  if (options.flag("--private")) settings.private = true;
  if (options.flag("--public")) settings.private = false;
  options.done();
  return settings;
}

/** Positional words and --options of a subcommand: take() a valued one, flag() a bare one, done() refuses the rest. */
function optionsOf(words) {
  const positional = [];
  const valued = new Map();
  const bare = new Set();
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (!word.startsWith("--")) positional.push(word);
    else if (word === "--private" || word === "--public") bare.add(word);
    else if (i + 1 < words.length) valued.set(word, words[++i]);
    else usage(`${word} needs a value`);
  }
  return {
    positional,
    take: (flag) => {
      const value = valued.get(flag);
      valued.delete(flag);
      return value;
    },
    flag: (flag) => bare.delete(flag),
    done: () => {
      const left = [...valued.keys(), ...bare];
      if (left.length > 0) usage(`unknown option ${left[0]}`);
    },
  };
}

const day = (ms) => new Date(ms).toISOString().slice(0, 10);

async function roomCommand([verb, ...words]) {
  const options = optionsOf(words);
  const [name] = options.positional;
  switch (verb) {
    case "create": {
      if (!name) usage("room create needs a name");
      const { room: made } = await directory("", { name, ...roomSettings(options) });
      console.log(`${site}/${made.name}/`);
      console.error(`Room ${made.name} is open: ${made.title}`);
      return;
    }
    case "update": {
      if (!name) usage("room update needs a name");
      const changes = roomSettings(options);
      if (Object.keys(changes).length === 0) usage("room update needs a setting to change");
      const { room: changed } = await directory(`/${encodeURIComponent(name)}`, changes);
      console.log(JSON.stringify(changed.settings, null, 2));
      return;
    }
    case "close": {
      if (!name) usage("room close needs a name");
      options.done();
      const { room: closed } = await directory(`/${encodeURIComponent(name)}/close`, {});
      console.log(`${closed.name}\tclosed ${day(closed.closedAt)}`);
      return;
    }
    case "list": {
      options.done();
      const { rooms } = await directory("");
      for (const r of rooms)
        console.log([r.name, r.source, r.closedAt === null ? "open" : `closed ${day(r.closedAt)}`, r.private ? "private" : "public", r.title].join("\t"));
      return;
    }
  }
  usage(verb ? `unknown room command ${verb}` : "room needs create, update, list or close");
}

async function webhookCommand([verb, ...words]) {
  const options = optionsOf(words);
  const [inRoom, second] = options.positional;
  if (!inRoom) usage(`webhook ${verb ?? ""} needs a room`);
  switch (verb) {
    case "add": {
      if (!second) usage("webhook add needs the hook's name");
      const to = options.take("--to");
      options.done();
      const { hook } = await call("hooks", { name: second, ...(to === undefined ? {} : { to }) }, inRoom);
      if (hook.direction === "in") {
        console.log(hook.url);
        console.error(
          `Incoming webhook ${hook.id} (${hook.name}): POST JSON {"text": ...} or a form (nick, text) to the URL above. It is the hook's only credential: it is not shown again.`,
        );
      } else {
        console.log(hook.secret);
        console.error(
          `Outgoing webhook ${hook.id} (${hook.name}) to ${hook.url}: each request is signed in X-Chaton-Signature (sha256=HMAC-SHA-256 of the body) with the secret above, which is not shown again.`,
        );
      }
      return;
    }
    case "list": {
      options.done();
      const { hooks } = await call("hooks", undefined, inRoom);
      for (const h of hooks) {
        const state =
          h.state === "off" ? `off since ${day(h.disabledAt)}` : h.state === "failing" ? `failing since ${day(h.failingSince)}: ${h.lastError}` : "ok";
        console.log([h.id, h.direction, h.name, h.to ?? "-", h.direction === "out" ? `${h.queued} waiting` : "-", state].join("\t"));
      }
      return;
    }
    case "remove": {
      if (!second) usage("webhook remove needs the hook's id (webhook list shows it)");
      options.done();
      await call("hook-remove", { id: second }, inRoom);
      console.error(`Webhook ${second} removed`);
      return;
    }
  }
  usage(verb ? `unknown webhook command ${verb}` : "webhook needs add, list or remove");
}

const [command, ...rest] = args;
if (command === "room" || command === "webhook") {
  await (command === "room" ? roomCommand(rest) : webhookCommand(rest));
  process.exit(0);
}
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
