// Secrets are set with `wrangler secret put` (and .dev.vars locally), so
// `wrangler types` cannot see them in wrangler.toml; they are declared here.
interface ChatonSecrets {
  /** Bearer token for /<room>/admin/... (npm run admin). */
  ADMIN_TOKEN?: string;
  /** "user:password": the first user of each private room that has none. */
  FIRST_USER?: string;
}
// Settings for tests only, absent from wrangler.toml.
interface ChatonTestSettings {
  /** How fast rooms' clocks run against the real one (README, "Tests"); 1 when absent. */
  CLOCK_RATE?: string;
}
interface Env extends ChatonSecrets, ChatonTestSettings {}
declare namespace Cloudflare {
  interface Env extends ChatonSecrets, ChatonTestSettings {}
}
