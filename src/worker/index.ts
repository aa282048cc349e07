import { HttpError, errorResponse } from "../http/errors";
import { router } from "./routes";

export { Room } from "../room/room";

/**
 * HEAD is answered as GET without the body, except on comet, where a GET
 * would be held waiting for news.
 */
async function head(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  if (new URL(request.url).pathname.endsWith("/comet")) {
    return errorResponse(new HttpError(405, "Method not allowed; use GET", { Allow: "GET" }));
  }
  const response = await router.fetch(new Request(request, { method: "GET" }), env, ctx);
  return new Response(null, response);
}

export default {
  fetch: (request, env, ctx) => (request.method === "HEAD" ? head(request, env, ctx) : router.fetch(request, env, ctx)),
} satisfies ExportedHandler<Env>;
