/**
 * What Gauche's rfc.http sends, byte for byte (docs/protocol.md, section 4): the
 * request head of `http-get` and `http-post`, and the multipart body it
 * composes for a form given as a list of fields (rfc.mime's
 * mime-compose-message). Pure, so the Worker tests use it as well as the
 * end-to-end client.
 */

export const GAUCHE_USER_AGENT = "gauche.http/0.9.15";

const encoder = new TextEncoder();
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A boundary as rfc.mime makes one: "boundary-" and a random number in base 36. */
export function gaucheBoundary(): string {
  const n = BigInt(Math.floor(Math.random() * 2 ** 52)) * BigInt(Math.floor(Math.random() * 2 ** 31) + 1);
  return `boundary-${n.toString(36)}`;
}

/** A MIME parameter value as rfc.mime writes it: a token as it is, anything else quoted. */
function parameter(value: string): string {
  return TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * The body `http-post` sends for `((name value) ...)`: each part after a CRLF
 * and a delimiter, with rfc.http's part headers in their letter cases, the
 * name unquoted when it is a token.
 */
export function gaucheMultipart(fields: readonly (readonly [string, string])[], boundary: string): Uint8Array {
  let body = "";
  for (const [name, value] of fields) {
    body += `\r\n--${boundary}\r\n`;
    body += "Content-type: text/plain; charset=utf-8\r\n";
    body += "Content-transfer-encoding: binary\r\n";
    body += `content-disposition: form-data; name=${parameter(name)}\r\n\r\n`;
    body += value;
  }
  body += `\r\n--${boundary}--\r\n`;
  return encoder.encode(body);
}

/** The Content-Type header of that body: the boundary quoted. */
export const gaucheContentType = (boundary: string) => `multipart/form-data; boundary="${boundary}"`;

/**
 * The head of a request as rfc.http's send-request writes it: the request
 * line, then (for a form) content-length, mime-version and content-type, then
 * host and user-agent; header names as its keywords spell them; no Accept.
 */
export function gaucheRequestHead(method: "GET" | "POST", pathAndQuery: string, host: string, form?: { boundary: string; length: number }): string {
  let head = `${method} ${pathAndQuery} HTTP/1.1\r\n`;
  if (form !== undefined) {
    head += `content-length: ${form.length}\r\n`;
    head += "mime-version: 1.0\r\n";
    head += `content-type: ${gaucheContentType(form.boundary)}\r\n`;
  }
  head += `host: ${host}\r\n`;
  head += `user-agent: ${GAUCHE_USER_AGENT}\r\n\r\n`;
  return head;
}
