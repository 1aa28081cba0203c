/**
 * Type tests (checked by `npm run typecheck`): `createContext: auth.createAuthContext` compiles,
 * without a cast, as the context factory of every tRPC v11 adapter, and `authResponseMeta` as
 * any adapter's `responseMeta`. The runtime assertions only keep vitest from reporting an empty
 * file; the proof is that tsc accepts this file.
 *
 * Next.js is not installed, so `CreateNextContextOptions` (which imports `next`'s types) is
 * `any`-typed here: its line compiles trivially. It is run for real in adapters.test.ts.
 */
import type { AnyTRPCRouter } from "@trpc/server";
import { initTRPC } from "@trpc/server";
import {
  type AWSLambdaOptions,
  awsLambdaRequestHandler,
  type CreateAWSLambdaContextOptions,
} from "@trpc/server/adapters/aws-lambda";
import {
  type CreateExpressContextOptions,
  createExpressMiddleware,
} from "@trpc/server/adapters/express";
import {
  type CreateFastifyContextOptions,
  type FastifyTRPCPluginOptions,
  fastifyTRPCPlugin,
} from "@trpc/server/adapters/fastify";
import { type FetchCreateContextFnOptions, fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { type CreateNextContextOptions, createNextApiHandler } from "@trpc/server/adapters/next";
import { type CreateHTTPContextOptions, createHTTPServer } from "@trpc/server/adapters/standalone";
import { applyWSSHandler, type CreateWSSContextFnOptions } from "@trpc/server/adapters/ws";
import type { ResponseMetaFn } from "@trpc/server/http";
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from "aws-lambda";
import Fastify from "fastify";
import {
  type AccessTokenClaims,
  type AuthContextInput,
  type AuthState,
  createAuth,
} from "scopegate";
import {
  authResponseMeta,
  errorFormatter,
  requireAuth,
  withAuthResponseMeta,
} from "scopegate/trpc";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { WebSocketServer } from "ws";

const auth = createAuth({ issuer: "http://127.0.0.1:1/", audience: "api" });
const createContext = auth.createAuthContext;
const t = initTRPC.context<typeof createContext>().create({ errorFormatter });
const router = t.router({ me: t.procedure.use(requireAuth()).query(({ ctx }) => ctx.claims.sub) });
type Router = typeof router;

describe("AuthContextInput accepts every adapter's context options", () => {
  it("each adapter's options type is assignable, without a cast", () => {
    expectTypeOf<CreateHTTPContextOptions>().toExtend<AuthContextInput>();
    expectTypeOf<CreateExpressContextOptions>().toExtend<AuthContextInput>();
    expectTypeOf<CreateFastifyContextOptions>().toExtend<AuthContextInput>();
    expectTypeOf<FetchCreateContextFnOptions>().toExtend<AuthContextInput>();
    expectTypeOf<CreateNextContextOptions>().toExtend<AuthContextInput>();
    expectTypeOf<
      CreateAWSLambdaContextOptions<APIGatewayProxyEvent>
    >().toExtend<AuthContextInput>();
    expectTypeOf<
      CreateAWSLambdaContextOptions<APIGatewayProxyEventV2>
    >().toExtend<AuthContextInput>();
    expectTypeOf<CreateWSSContextFnOptions>().toExtend<AuthContextInput>();
    // The context is `{ auth }` whichever adapter built it.
    expectTypeOf(
      createContext({} as CreateAWSLambdaContextOptions<APIGatewayProxyEventV2>),
    ).toEqualTypeOf<{ auth: AuthState<AccessTokenClaims> }>();
    expectTypeOf(createContext({} as CreateFastifyContextOptions).auth).toEqualTypeOf<
      AuthState<AccessTokenClaims>
    >();
    expect(typeof createContext).toBe("function");
  });

  it("createContext: auth.createAuthContext type-checks in every adapter's own call", () => {
    // Built but never started: only the types are under test here.
    const build = [
      () => createHTTPServer({ router, createContext: auth.createAuthContext }),
      () => createExpressMiddleware({ router, createContext: auth.createAuthContext }),
      () =>
        fetchRequestHandler({
          endpoint: "/trpc",
          req: new Request("http://localhost/trpc/me"),
          router,
          createContext: auth.createAuthContext,
        }),
      () => createNextApiHandler({ router, createContext: auth.createAuthContext }),
      () =>
        Fastify().register(fastifyTRPCPlugin, {
          prefix: "/trpc",
          trpcOptions: {
            router,
            createContext: auth.createAuthContext,
          } satisfies FastifyTRPCPluginOptions<Router>["trpcOptions"],
        }),
      () =>
        applyWSSHandler({
          wss: {} as WebSocketServer,
          router,
          createContext: auth.createAuthContext,
        }),
      () =>
        awsLambdaRequestHandler({
          router,
          createContext: auth.createAuthContext,
          responseMeta: authResponseMeta,
        }),
      () =>
        awsLambdaRequestHandler<Router, APIGatewayProxyEvent>({
          router,
          createContext: auth.createAuthContext,
          responseMeta: authResponseMeta,
        }),
      () =>
        awsLambdaRequestHandler<Router, APIGatewayProxyEventV2>({
          router,
          createContext: auth.createAuthContext,
          responseMeta: authResponseMeta,
        }),
    ];
    expect(build).toHaveLength(9);
  });

  it("the options objects satisfy each adapter's declared options type", () => {
    const lambdaV1 = {
      router,
      createContext: auth.createAuthContext,
      responseMeta: authResponseMeta,
    } satisfies AWSLambdaOptions<Router, APIGatewayProxyEvent>;
    const lambdaV2 = {
      router,
      createContext: auth.createAuthContext,
      responseMeta: authResponseMeta,
    } satisfies AWSLambdaOptions<Router, APIGatewayProxyEventV2>;
    expect([lambdaV1, lambdaV2]).toHaveLength(2);
  });
});

describe("authResponseMeta", () => {
  it("is a responseMeta of any router, alone or composed", () => {
    expectTypeOf(authResponseMeta).toExtend<ResponseMetaFn<Router>>();
    expectTypeOf(authResponseMeta).toExtend<ResponseMetaFn<AnyTRPCRouter>>();
    const composed: ResponseMetaFn<Router> = withAuthResponseMeta(({ type, errors, ctx }) => {
      // Your function gets tRPC's own options, typed from the router.
      expectTypeOf(type).toEqualTypeOf<"query" | "mutation" | "subscription" | "unknown">();
      expectTypeOf(ctx).toEqualTypeOf<{ auth: AuthState<AccessTokenClaims> } | undefined>();
      return errors.length ? { headers: { "cache-control": "no-store" } } : {};
    });
    expect(typeof composed).toBe("function");
  });
});
