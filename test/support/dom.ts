/** HTML read with parse5 (the WHATWG parser) in Node, for end-to-end tests that check pages without a browser. */
import { parse, type DefaultTreeAdapterMap } from "parse5";

type Node = DefaultTreeAdapterMap["node"];
type Element = DefaultTreeAdapterMap["element"];

export interface FoundElement {
  tag: string;
  attrs: Record<string, string>;
  /** The element's text content. */
  text: string;
}

function textOf(node: Node): string {
  if (node.nodeName === "#text") return (node as DefaultTreeAdapterMap["textNode"]).value;
  return "childNodes" in node ? node.childNodes.map(textOf).join("") : "";
}

function* elements(node: Node): Generator<Element> {
  if ("tagName" in node) yield node as Element;
  if ("childNodes" in node) for (const child of node.childNodes) yield* elements(child);
  if (node.nodeName === "template") yield* elements((node as DefaultTreeAdapterMap["template"]).content);
}

/** Every element of `markup` that `match` accepts, in document order. */
export function findElements(markup: string, match: (tag: string, attrs: Record<string, string>) => boolean): FoundElement[] {
  const found: FoundElement[] = [];
  for (const element of elements(parse(markup))) {
    const attrs = Object.fromEntries(element.attrs.map((a) => [a.name, a.value]));
    if (match(element.tagName, attrs)) found.push({ tag: element.tagName, attrs, text: textOf(element) });
  }
  return found;
}

/** The element with this id, if the page has one. */
export function findById(markup: string, id: string): FoundElement | undefined {
  return findElements(markup, (_tag, attrs) => attrs["id"] === id)[0];
}
