import { describe, expect, it } from "vitest";
import type { Entry } from "../../src/protocol/entry";
import { renderEntries } from "../../src/render/entries";
import { html, raw } from "../../src/render/html";
import { renderText } from "../../src/render/text";
import { parseHtml } from "../support/html";

const options = { roomUrl: "/lobby/", imageMaxPx: 400 };
const entry = (over: Partial<Entry>): Entry => ({ seq: 1, nick: "alice", sec: 1700000000, usec: 123456, text: "hi", ip: "192.0.2.1", ...over });

describe("the html tag", () => {
  it("should escape every interpolated string and pass SafeHtml through", () => {
    expect(html`<p title="${`"x'`}">${"<b>&"}${raw("<i>ok</i>")}${[1, "<", null, false]}</p>`.value).toBe(
      '<p title="&quot;x&#39;">&lt;b&gt;&amp;<i>ok</i>1&lt;</p>',
    );
  });
});

describe("rendering a text", () => {
  it("should make http and https URLs links that open a new window and are nofollow", async () => {
    const { elements } = await parseHtml(renderText("go to https://example.com/a?b=1&c=2 now", 400).value);
    // HTMLRewriter gives attribute values as written, entities and all.
    expect(elements).toEqual([{ tag: "a", attrs: { href: "https://example.com/a?b=1&amp;c=2", rel: "nofollow noopener", target: "_blank" } }]);
  });

  it("should keep the closing punctuation of a sentence out of a link", async () => {
    const { elements } = await parseHtml(renderText("see (http://example.com/x), then http://example.com/y.", 400).value);
    expect(elements.map((e) => e.attrs["href"])).toEqual(["http://example.com/x", "http://example.com/y"]);
  });

  it("should show .jpg, .gif and .png URLs as images shrunk to the limit", async () => {
    for (const url of ["https://e.com/a.jpg", "http://e.com/b.GIF", "https://e.com/c.png?x=1", "https://e.com/d.jpeg"]) {
      const { elements } = await parseHtml(renderText(url, 250).value);
      expect(elements.map((e) => e.tag)).toEqual(["a", "img"]);
      expect(elements[1]!.attrs).toMatchObject({ src: url, style: "max-width:250px;max-height:250px" });
    }
  });

  it("should embed YouTube and niconico watch URLs as players", async () => {
    const yt = await parseHtml(renderText("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1", 400).value);
    expect(yt.elements.find((e) => e.tag === "iframe")!.attrs["src"]).toBe("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ");
    const short = await parseHtml(renderText("https://youtu.be/dQw4w9WgXcQ", 400).value);
    expect(short.elements.find((e) => e.tag === "iframe")!.attrs["src"]).toBe("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ");
    const nico = await parseHtml(renderText("https://www.nicovideo.jp/watch/sm9", 400).value);
    expect(nico.elements.find((e) => e.tag === "iframe")!.attrs["src"]).toBe("https://embed.nicovideo.jp/watch/sm9");
  });

  it("should not embed a player for a malformed video id", async () => {
    const { elements } = await parseHtml(renderText('https://www.youtube.com/watch?v="><script>', 400).value);
    expect(elements.map((e) => e.tag)).toEqual(["a"]);
  });

  it("should make nothing but http(s) URLs into markup", async () => {
    const hostile = `<script>alert(1)</script> "><img src=x onerror=alert(1)> javascript:alert(1) data:text/html,<b>x</b> <a href="javascript:alert(1)">x</a>`;
    const { elements, text } = await parseHtml(renderText(hostile, 400).value);
    expect(elements).toEqual([]);
    expect(text).toContain("&lt;script&gt;");
  });

  it("should escape quotes inside a URL so it cannot leave its attribute", async () => {
    const { elements } = await parseHtml(renderText(`http://e.com/"onmouseover="alert(1)`, 400).value);
    expect(elements).toHaveLength(1);
    expect(Object.keys(elements[0]!.attrs).sort()).toEqual(["href", "rel", "target"]);
  });
});

describe("rendering entries", () => {
  it("should give each entry a permalink anchor with the timestamp in hex", async () => {
    const { elements } = await parseHtml(renderEntries([entry({ sec: 1700000000, usec: 123456 })], null, options).value);
    expect(elements.find((e) => e.attrs["class"] === "entry")!.attrs["id"]).toBe("entry-6553f100-1e240");
    expect(elements.find((e) => e.attrs["class"] === "permalink")!.attrs["href"]).toBe("/lobby/a/2023/11/14#entry-6553f100-1e240");
  });

  it("should pad the microseconds of an anchor to two hex digits", async () => {
    const { elements } = await parseHtml(renderEntries([entry({ usec: 5 })], null, options).value);
    expect(elements.find((e) => e.attrs["class"] === "entry")!.attrs["id"]).toBe("entry-6553f100-05");
  });

  it("should show a header unless the previous entry has the same nick and address and is under 240 s older", async () => {
    const base = entry({ seq: 1 });
    const cases: [Partial<Entry>, boolean][] = [
      [{ sec: base.sec + 239 }, false],
      [{ sec: base.sec + 240 }, true],
      [{ sec: base.sec + 1, nick: "bob" }, true],
      [{ sec: base.sec + 1, ip: "192.0.2.2" }, true],
    ];
    for (const [over, header] of cases) {
      const { elements } = await parseHtml(renderEntries([base, entry({ seq: 2, ...over })], null, options).value);
      expect(elements.filter((e) => e.attrs["class"] === "entry-header")).toHaveLength(header ? 2 : 1);
    }
    const { elements } = await parseHtml(renderEntries([entry({ seq: 2, sec: base.sec + 5 })], base, options).value);
    expect(elements.filter((e) => e.attrs["class"] === "entry-header")).toHaveLength(0);
  });

  it("should show a text with a newline preformatted and a one-line text as a line", async () => {
    const { elements } = await parseHtml(
      renderEntries([entry({ seq: 1, text: "one" }), entry({ seq: 2, sec: 1700000300, text: "a\nb" })], null, options).value,
    );
    expect(elements.filter((e) => e.attrs["class"] === "entry-text").map((e) => e.tag)).toEqual(["span", "pre"]);
  });

  it("should escape hostile nicks", async () => {
    const { elements, text } = await parseHtml(renderEntries([entry({ nick: `<img src=x onerror=alert(1)>"` })], null, options).value);
    expect(elements.some((e) => e.tag === "img")).toBe(false);
    expect(text).toContain("&lt;img src=x onerror=alert(1)&gt;&quot;");
  });
});
