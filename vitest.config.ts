import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Rooms for the in-runtime tests: the default lobby, a strict-login room, and
 * rooms of their own for tests that write archives (R2 keys carry the room name).
 */
const TEST_ROOMS = [
  ...Array.from({ length: 12 }, (_, i) => ({
    name: `archive${i}`,
    title: `Archive ${i}`,
    description: "",
    icon: "/chaton.svg",
    login: "loose",
    image_max_px: 400,
  })),
  { name: "lobby", title: "Chaton Lobby", description: "A place to chat.", icon: "/chaton.svg", login: "loose", image_max_px: 400 },
  { name: "strict", title: "Strict <Room>", description: "Strict login.", icon: "https://example.com/icon.png", login: "strict", image_max_px: 200 },
  { name: "secret", title: "Secret Room", description: "Members only.", icon: "/chaton.svg", private: true, image_max_px: 400 },
  // Spreads its listeners over relays past two (test/worker/relays.test.ts).
  { name: "crowd", title: "Crowd", description: "", icon: "/chaton.svg", listeners_per_object: 2 },
  // Holds shorter than the site's COMET_IN_ROOM_SECONDS: they end inside a talking room (test/worker/comet-holds.test.ts).
  { name: "brief", title: "Brief", description: "", icon: "/chaton.svg", hold_seconds: 0.5 },
];

export default defineConfig({
  test: {
    reporters: ["default", "./test/support/slowest-files.ts"],
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ROOMS: TEST_ROOMS,
                COMET_HOLD_SECONDS: "2",
                COMET_IN_ROOM_SECONDS: "1",
                STATUS_CACHE_SECONDS: "2",
                // Tests post far faster than people; the tests of the limits set their own figures.
                POSTS_PER_MINUTE: "1000",
                CLIENT_POST_BURST: "1000",
                CLIENT_POSTS_PER_MINUTE: "100000",
                NEW_CLIENTS_PER_MINUTE: "100000",
                ALLOWED_ORIGINS: "https://embed.example http://friend.example:8080",
                ADMIN_TOKEN: "test-admin-token",
                FIRST_USER: "alice:first password",
              },
            },
          }),
        ],
        test: { name: "worker", include: ["test/worker/**/*.test.ts"] },
      },
      {
        // The import and export tools' modules, in Node as the tools run.
        test: { name: "tools", include: ["test/tools/**/*.test.ts"], environment: "node" },
      },
      {
        test: {
          name: "client",
          include: ["packages/client/test/**/*.test.ts"],
          environment: "node",
        },
        // The examples import the package by name: its sources, not a build.
        resolve: {
          alias: {
            "chaton-client/node": fileURLToPath(new URL("packages/client/src/node/file-store.ts", import.meta.url)),
            "chaton-client": fileURLToPath(new URL("packages/client/src/index.ts", import.meta.url)),
          },
        },
      },
      {
        // Each file starts its own servers on free loopback ports, with their own
        // storage and addresses: two files at a time, beside the other projects.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          maxWorkers: 2,
          // How long expect.poll waits for what a page or server does at its pace: 1 s by default,
          // which a loaded machine misses; the wait bounds waiting, not what is checked.
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
});
