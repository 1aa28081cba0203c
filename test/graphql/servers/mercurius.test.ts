import { describe } from "vitest";
import { startMercurius } from "../../../examples/graphql/servers/mercurius.js";
import { httpServerSuite } from "./suite.js";

describe("Mercurius on Fastify", () => {
  httpServerSuite("Mercurius", startMercurius, { noDataEntry: false, get: true });
});
