import type { RoomConfig } from "../config";

/** The colours of the page in each scheme (static/chaton.css), for the browser's chrome. */
export const THEME_COLORS = { light: "#f7f7f5", dark: "#16171a" } as const;

/**
 * A room's web app manifest: "Add to home screen" installs the room itself,
 * opening at its page without the browser's bars. The icons are the site's
 * (static/icons, made by scripts/icons.mjs).
 */
function roomManifest(room: RoomConfig): Record<string, unknown> {
  const url = `/${room.name}/`;
  return {
    id: url,
    name: room.title,
    short_name: room.title.length <= 12 ? room.title : room.name,
    description: room.description,
    start_url: url,
    scope: url,
    display: "standalone",
    background_color: THEME_COLORS.light,
    theme_color: THEME_COLORS.light,
    icons: [
      { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
      { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
      { src: "/icons/icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
    ],
  };
}

/** GET /<room>/manifest.webmanifest */
export function manifestResponse(room: RoomConfig): Response {
  return new Response(JSON.stringify(roomManifest(room)), {
    headers: { "Content-Type": "application/manifest+json; charset=utf-8", "Cache-Control": "public, max-age=3600" },
  });
}
