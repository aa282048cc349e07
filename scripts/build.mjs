// Builds what the Worker serves beside its code: the browser script, and the
// build id that clients see as `ver` (they reload when it changes). The id is
// a hash of everything that makes the deployment, so an unchanged tree keeps
// its id across `wrangler dev` restarts and every change of code gets a new one.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";

const root = fileURLToPath(new URL("..", import.meta.url));
const GENERATED = join(root, "src", "generated");

/** Writes only when the content changes, so that `wrangler dev`, which watches these folders, settles. */
function writeIfChanged(path, content) {
  let old = null;
  try {
    old = readFileSync(path);
  } catch {}
  if (old === null || !old.equals(Buffer.from(content))) writeFileSync(path, content);
}

const client = await build({
  entryPoints: [join(root, "src", "client", "chaton.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  write: false,
  outfile: join(root, "static", "chaton.js"),
  logLevel: "warning",
});
writeIfChanged(join(root, "static", "chaton.js"), client.outputFiles[0].contents);

// The service worker, at the site's root so that its scope covers every room.
const serviceWorker = await build({
  entryPoints: [join(root, "src", "client", "sw", "sw.ts")],
  bundle: true,
  format: "iife",
  target: "es2022",
  minify: true,
  write: false,
  outfile: join(root, "static", "chaton-sw.js"),
  logLevel: "warning",
});
writeIfChanged(join(root, "static", "chaton-sw.js"), serviceWorker.outputFiles[0].contents);

// The theme script, inlined in every page's head (src/render/pages.ts), so it runs before the first paint.
const theme = await build({
  entryPoints: [join(root, "src", "client", "theme.ts")],
  bundle: true,
  format: "iife",
  target: "es2020",
  minify: true,
  write: false,
  logLevel: "warning",
});
const themeScript = theme.outputFiles[0].text.trim();
if (/<\/script|<!--/i.test(themeScript)) throw new Error("the theme script cannot be inlined: it holds </script or <!--");

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (path === GENERATED) return [];
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const hash = createHash("sha256");
const inputs = [
  ...filesUnder(join(root, "src")),
  ...filesUnder(join(root, "static")),
  ...filesUnder(join(root, "migrations")),
  join(root, "wrangler.toml"),
  // The wire types the server shares with the client package.
  join(root, "packages", "client", "src", "wire.ts"),
];
for (const file of inputs.sort()) {
  hash.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
}
const buildId = hash.digest("hex").slice(0, 12);

mkdirSync(GENERATED, { recursive: true });
// Its hash is the one inline script the pages' Content-Security-Policy allows.
const themeScriptHash = `sha256-${createHash("sha256").update(themeScript, "utf8").digest("base64")}`;
writeIfChanged(
  join(GENERATED, "theme-script.ts"),
  `// Written by scripts/build.mjs from src/client/theme.ts; not edited by hand.\nexport const THEME_SCRIPT = ${JSON.stringify(themeScript)};\nexport const THEME_SCRIPT_HASH = "${themeScriptHash}";\n`,
);
writeIfChanged(join(GENERATED, "build.ts"), `// Written by scripts/build.mjs; not edited by hand.\nexport const BUILD_ID = "${buildId}";\n`);
console.log(`build ${buildId}`);

// Every room and var of wrangler.toml, read as the Worker reads them (src/config.ts): a bad
// setting stops `wrangler dev` and `wrangler deploy` here, with the room, the setting and why.
// (Vars given at run time, `--var` or the dashboard, are checked where they are read: a bad
// room answers 503 with the reason and the rest of the site works.)
const configModule = await build({
  entryPoints: [join(root, "src", "config.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  write: false,
  logLevel: "warning",
});
const { siteConfigProblems } = await import(`data:text/javascript;base64,${Buffer.from(configModule.outputFiles[0].contents).toString("base64")}`);
const wranglerToml = parseToml(readFileSync(join(root, "wrangler.toml"), "utf8"));
const problems = siteConfigProblems(wranglerToml.vars ?? {});
if (problems.length > 0) {
  console.error(`wrangler.toml: ${problems.length === 1 ? "a setting" : `${problems.length} settings`} cannot be used:`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
