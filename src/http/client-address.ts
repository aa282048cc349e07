/** The header the Workers runtime gives a request's client address in. */
export const CLIENT_ADDRESS_HEADER = "CF-Connecting-IP";

/** The address a request came from, as the Workers runtime reports it. */
export function clientAddress(request: Request): string {
  return request.headers.get(CLIENT_ADDRESS_HEADER) ?? "unknown";
}
