/**
 * The one place that escapes for HTML. Every interpolated value of `html`
 * is escaped unless it is already `SafeHtml`; `raw()` is the visible way out.
 */

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function interpolate(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(interpolate).join("");
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += interpolate(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Trusted markup, passed through unescaped. Never give it user text. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** Text as an XML CDATA section; a "]]>" inside is split across two sections. */
export function cdata(text: string): SafeHtml {
  return new SafeHtml(`<![CDATA[${text.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`);
}

const SCRIPT_JSON_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * A value as a JavaScript literal that is safe inside a script, even one
 * inlined in HTML: no "</script>", "<!--" or line separator can appear in it.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => SCRIPT_JSON_ESCAPES[c]!);
}
