/** An Authorization header for HTTP basic credentials, UTF-8 as browsers send them (in the runtime and in Node). */
export function basicAuth(user: string, password: string): string {
  return `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${password}`)))}`;
}
