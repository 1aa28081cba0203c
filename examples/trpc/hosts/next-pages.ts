/**
 * The example tRPC router as a Next.js Pages Router API route. Copy it to
 * `pages/api/trpc/[trpc].ts`; set AUTH0_DOMAIN and AUTH0_AUDIENCE (e.g. in `.env.local`).
 *
 * `createNextApiHandler` hands the context Next's `req` and `res` (Node's), so the
 * `WWW-Authenticate` of a refusal reaches the response with no extra line.
 */
import { createNextApiHandler } from "@trpc/server/adapters/next";
import { authFromEnv } from "../../auth-from-env.js";
import { appRouter } from "../router.js";

const auth = authFromEnv();

export default createNextApiHandler({
  router: appRouter,
  createContext: auth.createAuthContext,
});
