/**
 * Runtime-matrix entry for Cloudflare workerd (a module Worker), bundled with and without
 * `nodejs_compat`: `GET /suite` runs the shared suite inside the request (Workers allow no
 * crypto at global scope) and answers its report as JSON. `?network=` (a JSON
 * `NetworkTarget`) adds the discovery-over-loopback case.
 */
import { type NetworkTarget, runSuite } from "./suite.js";

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/suite") return new Response("not found", { status: 404 });
    const network = url.searchParams.get("network");
    return Response.json(
      await runSuite({ network: network ? (JSON.parse(network) as NetworkTarget) : undefined }),
    );
  },
};
