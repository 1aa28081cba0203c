import { describe } from "vitest";
import { startEnvelop } from "../../../examples/graphql/servers/envelop.js";
import { httpServerSuite } from "./suite.js";

describe("envelop behind a bare node:http server", () => {
  httpServerSuite("envelop", startEnvelop, { noDataEntry: true, get: false });
});
