/** An element as the runtime's HTML parser (HTMLRewriter) sees it. */
export interface ParsedElement {
  tag: string;
  attrs: Record<string, string>;
}

/** Parses markup with HTMLRewriter: every element with its attributes, and the raw text. */
export async function parseHtml(markup: string): Promise<{ elements: ParsedElement[]; text: string }> {
  const elements: ParsedElement[] = [];
  let text = "";
  const rewriter = new HTMLRewriter()
    .on("*", {
      element(el) {
        elements.push({ tag: el.tagName, attrs: Object.fromEntries(el.attributes) });
      },
    })
    .onDocument({
      text(chunk) {
        text += chunk.text;
      },
    });
  await rewriter.transform(new Response(markup, { headers: { "Content-Type": "text/html" } })).text();
  return { elements, text };
}
