/**
 * Runtime-matrix entry for Vercel's edge runtime (the `edge-runtime` package, what `next dev`
 * runs edge routes in): a service-worker style script; `GET /suite` answers the shared suite's
 * report as JSON. `?network=` (a JSON `NetworkTarget`) adds the discovery-over-loopback case.
 */
import { type NetworkTarget, runSuite } from "./suite.js";

interface FetchEvent {
  request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
declare function addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;

addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.pathname !== "/suite") {
    event.respondWith(new Response("not found", { status: 404 }));
    return;
  }
  const network = url.searchParams.get("network");
  const options = { network: network ? (JSON.parse(network) as NetworkTarget) : undefined };
  event.respondWith(runSuite(options).then((report) => Response.json(report)));
});
