/** What the original's pages offered crawlers and feed readers: robots.txt and the RSS alternate link. */
import { describe, expect, it } from "vitest";
import { parseHtml } from "../support/html";
import { freshRoom, send } from "../support/rooms";

describe("robots.txt", () => {
  it("keeps crawlers off every room's comet, socket, poster, apilogin and admin paths, and off the site's admin API", async () => {
    const res = await send("/robots.txt");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
    const lines = (await res.text()).split("\n").filter((line) => line !== "");
    expect(lines[0]).toBe("User-agent: *");
    const disallowed = lines.slice(1).map((line) => {
      const [field, path] = line.split(": ");
      expect(field).toBe("Disallow");
      return path!;
    });
    expect(disallowed).toContain("/_admin/");
    for (const path of ["comet", "ws", "post", "apilogin", "admin/"]) {
      expect(disallowed).toContain(`/*/${path}`);
      for (const room of ["lobby", "strict", "secret"]) expect(disallowed).toContain(`/${room}/${path}`);
    }
    // The pages themselves stay open to crawlers.
    expect(disallowed.some((path) => path === "/" || path.endsWith("/a/") || path === "/lobby/")).toBe(false);
  });
});

describe("the RSS alternate link", () => {
  const alternates = async (res: Response) => (await parseHtml(await res.text())).elements.filter((e) => e.tag === "link" && e.attrs["rel"] === "alternate");

  it("is on the room page", async () => {
    const links = await alternates(await freshRoom().fetch(""));
    expect(links).toEqual([{ tag: "link", attrs: { rel: "alternate", type: "application/rss+xml", title: "Chaton Lobby", href: "/lobby/var/index.rdf" } }]);
  });

  it("is on an archive page, with the room's title escaped (HTMLRewriter gives attributes as written)", async () => {
    const room = freshRoom("strict");
    await room.post({ nick: "a", text: "today" });
    const day = await room.fetch("a/today", { redirect: "manual" });
    const page = await room.fetch(new URL(day.headers.get("Location")!).pathname.replace("/strict/", ""));
    expect(page.status).toBe(200);
    expect(await alternates(page)).toEqual([
      { tag: "link", attrs: { rel: "alternate", type: "application/rss+xml", title: "Strict &lt;Room&gt;", href: "/strict/var/index.rdf" } },
    ]);
  });
});
