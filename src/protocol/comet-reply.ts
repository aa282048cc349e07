import { JSON_TYPE, SEXPR_TYPE } from "./content-types";
import { alist, cons, sym, writeSexpr, WrittenList } from "./sexpr";

/** `s=1`: S-expression; `s=0`: JSON; no `s`: JSON whose content is HTML. */
export type CometFormat = "sexpr" | "json" | "html";

export const CONTENT_TYPES: Record<CometFormat, string> = {
  sexpr: SEXPR_TYPE,
  json: JSON_TYPE,
  html: JSON_TYPE,
};

export interface ReplyHeader {
  pos: number;
  nc: number;
  ver: string;
  cid: number;
}

/** The `content` of a reply, already written in its format: the part worth encoding once. */
export interface EncodedContent {
  readonly format: CometFormat;
  readonly text: string;
}

const EMPTY: Record<CometFormat, EncodedContent> = {
  sexpr: { format: "sexpr", text: "" },
  json: { format: "json", text: "[]" },
  html: { format: "html", text: '""' },
};

/** The content of a ping: nothing new. */
export function emptyContent(format: CometFormat): EncodedContent {
  return EMPTY[format];
}

/** A whole reply: the fields in the order clients expect, then the content. */
export function writeReply(header: ReplyHeader, content: EncodedContent): string {
  const { pos, nc, ver, cid } = header;
  if (content.format === "sexpr") {
    return writeSexpr([
      ...alist([
        ["pos", pos],
        ["nc", nc],
        ["ver", ver],
        ["cid", cid],
      ]),
      cons(sym("content"), new WrittenList(content.text)),
    ]);
  }
  return `${JSON.stringify({ pos, nc, ver, cid }).slice(0, -1)},"content":${content.text}}`;
}
