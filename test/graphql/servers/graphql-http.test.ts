import { describe } from "vitest";
import { startGraphqlHttp } from "../../../examples/graphql/servers/graphql-http.js";
import { httpServerSuite } from "./suite.js";

describe("graphql-http on node:http", () => {
  httpServerSuite("graphql-http", startGraphqlHttp, { noDataEntry: true, get: true });
});
