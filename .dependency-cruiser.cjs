/**
 * The layers the folder tree shows, checked on every `npm test`:
 * - src/worker runs in the Worker, src/room in the room's Durable Object,
 *   src/directory in the room directory's, src/relay in a large room's relays;
 *   none imports another, but for the Worker exporting the three classes, the
 *   directory using the rooms' migration runner, and a relay delivering with
 *   the room's own transports and news encoder;
 * - the shared libraries (protocol, render, security, http, config, clock, log)
 *   import neither side;
 * - the browser script imports only its own files and the shared wire types;
 * - the client package stands alone (it is published);
 * - no import cycles.
 */
const SHARED = "^src/(protocol|render|security|http|config\\.ts|clock\\.ts|log\\.ts)";
const WIRE_TYPES = "^(src/protocol/wire\\.ts|packages/client/src/wire\\.ts)$";

module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", from: {}, to: { circular: true } },
    {
      name: "worker-not-into-room",
      comment: "The Worker reaches a room only through its stub (src/worker/rooms.ts); the one import is the Room class export.",
      severity: "error",
      from: { path: "^src/worker/", pathNot: "^src/worker/index\\.ts$" },
      to: { path: "^src/room/" },
    },
    {
      name: "worker-index-only-room-class",
      severity: "error",
      from: { path: "^src/worker/index\\.ts$" },
      to: { path: "^src/room/", pathNot: "^src/room/room\\.ts$" },
    },
    { name: "room-not-into-worker", severity: "error", from: { path: "^src/room/" }, to: { path: "^src/worker/" } },
    {
      name: "worker-not-into-directory",
      comment: "The Worker reaches the directory only through its stub; the one import is the Directory class export.",
      severity: "error",
      from: { path: "^src/worker/", pathNot: "^src/worker/index\\.ts$" },
      to: { path: "^src/directory/" },
    },
    {
      name: "worker-index-only-directory-class",
      severity: "error",
      from: { path: "^src/worker/index\\.ts$" },
      to: { path: "^src/directory/", pathNot: "^src/directory/directory\\.ts$" },
    },
    { name: "room-not-into-directory", severity: "error", from: { path: "^src/room/" }, to: { path: "^src/directory/" } },
    {
      name: "worker-not-into-relay",
      comment: "The Worker reaches a relay only through its stub; the one import is the Relay class export.",
      severity: "error",
      from: { path: "^src/worker/", pathNot: "^src/worker/index\\.ts$" },
      to: { path: "^src/relay/" },
    },
    {
      name: "worker-index-only-relay-class",
      severity: "error",
      from: { path: "^src/worker/index\\.ts$" },
      to: { path: "^src/relay/", pathNot: "^src/relay/relay\\.ts$" },
    },
    { name: "room-not-into-relay", severity: "error", from: { path: "^src/(room|directory)/" }, to: { path: "^src/relay/" } },
    { name: "relay-not-into-worker-or-directory", severity: "error", from: { path: "^src/relay/" }, to: { path: "^src/(worker|directory)/" } },
    {
      name: "relay-only-the-rooms-delivery",
      comment: "A relay renders and delivers with the room's own code, and nothing else of it: it stores no entry.",
      severity: "error",
      from: { path: "^src/relay/" },
      to: { path: "^src/room/", pathNot: "^src/room/(live/(fanout|news)|transports/(sockets|longpoll|held-sockets|comet-response)|posting/write-path)\\.ts$" },
    },
    { name: "directory-not-into-worker", severity: "error", from: { path: "^src/directory/" }, to: { path: "^src/worker/" } },
    {
      name: "directory-only-the-migration-runner-of-room",
      severity: "error",
      from: { path: "^src/directory/" },
      to: { path: "^src/room/", pathNot: "^src/room/storage/schema\\.ts$" },
    },
    {
      name: "protocol-not-into-render",
      comment: "The wire formats are data; rendering them to HTML is the room's (src/room/live/news.ts) and the pages'.",
      severity: "error",
      from: { path: "^src/protocol/" },
      to: { path: "^src/render/" },
    },
    { name: "shared-imports-neither-side", severity: "error", from: { path: SHARED }, to: { path: "^src/(room|worker|directory|client)/" } },
    {
      name: "browser-script-only-wire-types",
      severity: "error",
      from: { path: "^src/client/" },
      to: { path: "^(src|packages)/", pathNot: ["^src/client/", WIRE_TYPES] },
    },
    { name: "client-package-stands-alone", severity: "error", from: { path: "^packages/client/src/" }, to: { path: "^(src|test|bench|scripts)/" } },
    { name: "nothing-imports-tests", severity: "error", from: { path: "^(src|packages/client/src)/" }, to: { path: "^(test|bench)/" } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist|\\.wrangler)/|^src/generated/" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: [".ts", ".js", ".mjs", ".sql"] },
  },
};
