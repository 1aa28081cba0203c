/**
 * Runtime-matrix entry for Vercel's edge runtime (the `edge-runtime` package, what `next dev`
 * runs edge routes in): a service-worker style script; `GET /suite` answers the shared suite's
 * report as JSON.
 */
import { runSuite } from "./suite.js";

interface FetchEvent {
  request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
declare function addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;

addEventListener("fetch", (event) => {
  if (new URL(event.request.url).pathname !== "/suite") {
    event.respondWith(new Response("not found", { status: 404 }));
    return;
  }
  event.respondWith(runSuite().then((report) => Response.json(report)));
});
