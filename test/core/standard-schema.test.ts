/**
 * The `claims` option takes any Standard Schema validator (https://standardschema.dev): zod 4,
 * zod 3.25 (and its `zod/v4`), valibot, arktype, or one written by hand. Claims are typed from
 * the schema's output; a refused payload is a 401 `claims_schema`, a throwing validator a 500.
 */
import { type } from "arktype";
import {
  type AuthError,
  type AuthOptions,
  ConfigurationError,
  createAuth,
  InvalidTokenError,
  ServerError,
  type StandardSchemaV1,
} from "scopegate";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { z as z3 } from "zod3";
import { z as z3v4 } from "zod3/v4";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});

type Expected = { sub: string; org_id: string };

const schemas = {
  "zod 4": z.object({ sub: z.string(), org_id: z.string() }),
  "zod 3.25": z3.object({ sub: z3.string(), org_id: z3.string() }),
  "zod 3.25 zod/v4": z3v4.object({ sub: z3v4.string(), org_id: z3v4.string() }),
  valibot: v.object({ sub: v.string(), org_id: v.string() }),
  arktype: type({ sub: "string", org_id: "string" }),
};

function authWith<const S extends StandardSchemaV1>(claims: S) {
  return createAuth({ issuer: issuer.url, audience: issuer.audience, claims });
}

async function failureOf(promise: Promise<unknown>): Promise<AuthError> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: AuthError) => e,
  );
}

/** A hand-written validator: the smallest thing the spec allows. */
function standard<Output>(
  validate: (
    value: unknown,
  ) => StandardSchemaV1.Result<Output> | Promise<StandardSchemaV1.Result<Output>>,
): StandardSchemaV1<unknown, Output> {
  return { "~standard": { version: 1, vendor: "test", validate } };
}

describe("claims typed and checked by any Standard Schema validator", () => {
  it.each(Object.keys(schemas) as (keyof typeof schemas)[])(
    "%s: good claims pass and are typed from the schema's output",
    async (name) => {
      const auth = authWith(schemas[name]);
      const claims = await auth.verify(await issuer.sign({ org_id: "o1", extra: 1 }));
      expect(claims).toMatchObject({ sub: "auth0|test-user", org_id: "o1" });
    },
  );

  it.each(Object.keys(schemas) as (keyof typeof schemas)[])(
    "%s: bad claims → 401 invalid_token claims_schema naming the path",
    async (name) => {
      const auth = authWith(schemas[name]);
      const error = await failureOf(auth.verify(await issuer.sign({ org_id: 42 })));
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect(error.status).toBe(401);
      expect(error.code).toBe("invalid_token");
      expect(error.reason).toBe("claims_schema");
      expect(error.description).toBe("token claims do not match the expected schema at org_id");
    },
  );

  it("types verify(), the context's require() and claims from each library", () => {
    expectTypeOf(authWith(schemas["zod 4"]).verify).returns.resolves.toEqualTypeOf<Expected>();
    expectTypeOf(authWith(schemas["zod 3.25"]).verify).returns.resolves.toEqualTypeOf<Expected>();
    expectTypeOf(
      authWith(schemas["zod 3.25 zod/v4"]).verify,
    ).returns.resolves.toEqualTypeOf<Expected>();
    expectTypeOf(authWith(schemas.valibot).verify).returns.resolves.toEqualTypeOf<Expected>();
    expectTypeOf(authWith(schemas.arktype).verify).returns.resolves.toEqualTypeOf<Expected>();

    // Inline, as a user writes it: createAuth infers the schema's type itself.
    const valibot = createAuth({
      issuer: "https://idp.example.test/",
      audience: "api",
      claims: v.looseObject({ sub: v.string(), roles: v.array(v.string()) }),
    });
    const { auth: state } = valibot.createAuthContext({ headers: {} });
    expectTypeOf(state.require).returns.resolves.toMatchTypeOf<{ sub: string; roles: string[] }>();

    const zod3 = createAuth({
      issuer: "https://idp.example.test/",
      audience: "api",
      claims: z3.object({ sub: z3.string() }).transform((c) => ({ user: c.sub })),
    });
    expectTypeOf(zod3.verify).returns.resolves.toEqualTypeOf<{ user: string }>();
  });

  it("the claims are the schema's output (a transform applies, stripped keys are gone)", async () => {
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      claims: v.pipe(
        v.object({ sub: v.string() }),
        v.transform((c) => ({ user: c.sub })),
      ),
    });
    expect(await auth.verify(await issuer.sign({ org_id: "o1" }))).toEqual({
      user: "auth0|test-user",
    });
  });

  it("expiresAt() still comes from the raw payload when the schema strips exp", async () => {
    const auth = authWith(v.object({ sub: v.string() }));
    const token = await issuer.sign({}, { expiresIn: 120 });
    const { auth: state } = auth.createAuthContext({
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await state.require()).toEqual({ sub: "auth0|test-user" });
    const exp = JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString())
      .exp as number;
    expect(state.expiresAt()).toBe(exp * 1000);
  });
});

describe("async and failing validators", () => {
  it("an async validator is awaited (zod 4 async refine, valibot async, hand-written)", async () => {
    const known = new Set(["o1"]);
    const lookup = async (org: string) => {
      await new Promise((r) => setTimeout(r, 1));
      return known.has(org);
    };
    const cases: StandardSchemaV1<unknown, { org_id: string }>[] = [
      z.object({ org_id: z.string().refine(lookup, "unknown org") }),
      v.objectAsync({ org_id: v.pipeAsync(v.string(), v.checkAsync(lookup, "unknown org")) }),
      standard<{ org_id: string }>(async (value) => {
        const org = (value as { org_id?: unknown }).org_id;
        return typeof org === "string" && (await lookup(org))
          ? { value: { org_id: org } }
          : { issues: [{ message: "unknown org", path: [{ key: "org_id" }] }] };
      }),
    ];
    for (const schema of cases) {
      const auth = authWith(schema);
      await expect(auth.verify(await issuer.sign({ org_id: "o1" }))).resolves.toMatchObject({
        org_id: "o1",
      });
      const error = await failureOf(auth.verify(await issuer.sign({ org_id: "o2" })));
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect(error.reason).toBe("claims_schema");
      expect(error.description).toBe("token claims do not match the expected schema at org_id");
    }
  });

  it("a validator that throws (or rejects) → 500 server_error with the cause kept", async () => {
    const boom = new Error("schema bug");
    const cases: StandardSchemaV1[] = [
      standard(() => {
        throw boom;
      }),
      standard(async () => {
        throw boom;
      }),
      z.object({
        sub: z.string().refine(() => {
          throw boom;
        }),
      }),
      v.object({
        sub: v.pipe(
          v.string(),
          v.check(() => {
            throw boom;
          }),
        ),
      }),
    ];
    for (const schema of cases) {
      const error = await failureOf(authWith(schema).verify(await issuer.sign({})));
      expect(error).toBeInstanceOf(ServerError);
      expect(error.status).toBe(500);
      expect(error.code).toBe("server_error");
      expect(error.cause).toBe(boom);
    }
  });

  it("names at most 3 issue paths, joining keys and { key } segments; (root) without a path", async () => {
    const issues = (list: StandardSchemaV1.Issue[]) => standard(() => ({ issues: list }));
    const descriptionOf = async (schema: StandardSchemaV1) =>
      (await failureOf(authWith(schema).verify(await issuer.sign({})))).description;
    expect(
      await descriptionOf(
        issues([
          { message: "x", path: ["a", 0, "b"] },
          { message: "x", path: [{ key: "c" }, { key: 1 }] },
          { message: "x" },
          { message: "x", path: ["d"] },
        ]),
      ),
    ).toBe("token claims do not match the expected schema at a.0.b, c.1, (root)");
    expect(await descriptionOf(issues([]))).toBe(
      "token claims do not match the expected schema at (root)",
    );
    const error = await failureOf(
      authWith(z3.object({ org: z3.object({ id: z3.string() }) })).verify(
        await issuer.sign({ org: { id: 1 } }),
      ),
    );
    expect(error.description).toBe("token claims do not match the expected schema at org.id");
  });
});

describe("the claims option check", () => {
  const base = { issuer: "https://idp.example.test/", audience: "api" };
  it.each([
    ["a plain object", { sub: "x" }],
    ["a function without ~standard", () => true],
    ["~standard without validate", { "~standard": { version: 1, vendor: "x" } }],
    ["a string", "z.object()"],
  ])("refuses %s with a ConfigurationError naming claims", (_, claims) => {
    let error: unknown;
    try {
      createAuth({ ...base, claims } as unknown as AuthOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const problem = (error as ConfigurationError).problems.find((p) => p.option === "claims");
    expect(problem?.message).toMatch(/Standard Schema/);
  });

  it("accepts every library's schema, a function-valued one (arktype) included", () => {
    for (const schema of Object.values(schemas)) {
      expect(() => createAuth({ ...base, claims: schema })).not.toThrow();
    }
    expect(typeof schemas.arktype).toBe("function");
  });
});
