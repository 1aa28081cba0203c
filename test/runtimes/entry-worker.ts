/**
 * Runtime-matrix entry for Cloudflare workerd (a module Worker), bundled with and without
 * `nodejs_compat`: `GET /suite` runs the shared suite inside the request (Workers allow no
 * crypto at global scope) and answers its report as JSON.
 */
import { runSuite } from "./suite.js";

export default {
  async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname !== "/suite")
      return new Response("not found", { status: 404 });
    return Response.json(await runSuite());
  },
};
