/**
 * The example tRPC router on AWS Lambda: API Gateway REST APIs (payload 1.0), HTTP APIs
 * (payload 1.0 or 2.0) and Lambda function URLs, with one handler.
 *
 *   // handler: examples/trpc/hosts/lambda.handler
 *   // environment: AUTH0_DOMAIN=tenant.us.auth0.com AUTH0_AUDIENCE=https://api.example.com
 *
 * Route `ANY /trpc/{proxy+}` (REST: resource `/trpc/{proxy+}`) to it; a function URL serves the
 * procedures at its root (`https://<id>.lambda-url.<region>.on.aws/messages`).
 *
 * The Lambda adapter gives the context no response to write headers to, so `responseMeta:
 * authResponseMeta` is the one extra line: it puts `WWW-Authenticate` (and `DPoP-Nonce`,
 * `Retry-After`) on 401/400/403/503 answers. The DPoP `htu` is the URL the client called,
 * taken from the event (`requestContext.domainName`, and the stage or base path where API
 * Gateway puts it); behind CloudFront or an HTTP API mapping key, set `publicUrl`.
 */
import { awsLambdaRequestHandler } from "@trpc/server/adapters/aws-lambda";
import { authResponseMeta } from "scopegate/trpc";
import { authFromEnv } from "../../auth-from-env.js";
import { appRouter } from "../router.js";

// Once per cold start: keys and verified tokens stay cached across invocations.
const auth = authFromEnv();

export const handler = awsLambdaRequestHandler({
  router: appRouter,
  createContext: auth.createAuthContext,
  responseMeta: authResponseMeta,
});
