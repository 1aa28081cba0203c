/**
 * The example tRPC router as a Next.js App Router route handler (the fetch adapter). Copy it to
 * `app/api/trpc/[trpc]/route.ts`; set AUTH0_DOMAIN and AUTH0_AUDIENCE (e.g. in `.env.local`).
 *
 * It runs on Next's Node.js runtime and on its edge runtime (`export const runtime = "edge"`;
 * the core runs there, see the README's "Where it runs"). The fetch adapter hands the context `resHeaders`, so the
 * `WWW-Authenticate` of a refusal reaches the response with no extra line.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { authFromEnv } from "../../auth-from-env.js";
import { appRouter } from "../router.js";

const auth = authFromEnv();

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: auth.createAuthContext,
  });

export { handler as GET, handler as POST };
