import { callbackFailure } from "./callbacks.js";
import {
  type AuthError,
  ConfigurationError,
  InsufficientScopeError,
  ServerError,
} from "./errors.js";
import { withDeadline } from "./maybe.js";

/**
 * Named policies: rules scopes cannot express ("owner of this resource", "same tenant as the
 * argument", "feature flag"), declared once on `createAuth({ policies })` and named by tRPC
 * `requirePolicy(name)`, GraphQL `@auth(policy:)` and Federation `@policy`.
 */

/** What a policy is given. */
export interface PolicyContext<Claims> {
  /** The verified claims of the request. */
  readonly claims: Claims;
  /** tRPC: the procedure's input (parsed when the middleware comes after `.input()`). */
  readonly input: unknown;
  /** GraphQL: the field's arguments (coerced, variables applied). */
  readonly args: Readonly<Record<string, unknown>> | undefined;
  /** GraphQL: the parent object — only for policies declared `{ usesParent: true }`. */
  readonly parent: unknown;
}

/**
 * A policy: allows only by returning (or resolving to) `true`. A throw is a 500
 * `server_error` with the cause kept (an `AuthError` thrown is answered as it is).
 *
 * @example
 * ```ts
 * const isOwner: PolicyFunction<AccessTokenClaims> = ({ claims, input }) =>
 *   (input as { ownerId?: string }).ownerId === claims.sub;
 * ```
 */
export type PolicyFunction<Claims> = (context: PolicyContext<Claims>) => boolean | Promise<boolean>;

/**
 * A policy that needs the GraphQL parent object: it runs at resolve time, once per parent
 * object, also in `reject` mode (it cannot run before execution).
 *
 * @example
 * ```ts
 * const ownsPost: ParentPolicy<AccessTokenClaims> = {
 *   usesParent: true,
 *   check: ({ claims, parent }) => (parent as { authorId: string }).authorId === claims.sub,
 * };
 * ```
 */
export interface ParentPolicy<Claims> {
  readonly usesParent: true;
  readonly check: PolicyFunction<Claims>;
}

/** One entry of `createAuth({ policies })`. */
export type PolicyDefinition<Claims> = PolicyFunction<Claims> | ParentPolicy<Claims>;

/** The `policies` option: named policies. */
export type Policies<Claims> = Readonly<Record<string, PolicyDefinition<Claims>>>;

/**
 * The policy names of an `Auth` (the keys of its `policies`), for `requirePolicy` / `hasPolicy` (a typo does not
 * compile); `string` when no policies are declared.
 */
export type PolicyNames<Name extends string> = [Name] extends [never]
  ? string
  : string extends Name
    ? string
    : Name;

/** What a policy is evaluated with, besides the claims. */
export interface PolicyArguments {
  /** tRPC input. */
  input?: unknown;
  /** GraphQL field arguments. */
  args?: Readonly<Record<string, unknown>> | undefined;
  /** GraphQL parent object (policies declared `usesParent`). */
  parent?: unknown;
}

/**
 * Gives `policies` typed names, for a module that defines them apart from `createAuth`.
 *
 * @example
 * ```ts
 * const policies = definePolicies<AccessTokenClaims>()({ isOwner: ({ claims, input }) => … });
 * createAuth({ domain, audience, policies });
 * ```
 */
export function definePolicies<Claims>(): <const P extends Policies<Claims>>(policies: P) => P {
  return (policies) => policies;
}

/** Per-request memo of policy outcomes: at most this many entries, then no more memoising. */
export const MAX_POLICY_MEMO = 1000;

const NAME = /^[_A-Za-z][_0-9A-Za-z-]*$/;

/** A policy as `createAuth` keeps it; internal. */
interface Entry {
  readonly check: PolicyFunction<unknown>;
  readonly usesParent: boolean;
}

/** The validated `policies` option and their evaluation; internal. */
export class PolicyRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    policies: unknown,
    private readonly seconds: number,
  ) {
    if (policies === undefined) return;
    if (typeof policies !== "object" || policies === null || Array.isArray(policies)) {
      throw new ConfigurationError("policies", "expects an object { name: (ctx) => boolean }");
    }
    for (const [name, def] of Object.entries(policies)) {
      if (!NAME.test(name)) {
        throw new ConfigurationError(
          `policies.${name}`,
          "a policy name must be a GraphQL-style name (letters, digits, _ and -)",
        );
      }
      if (typeof def === "function") {
        this.entries.set(name, { check: def as PolicyFunction<unknown>, usesParent: false });
      } else if (
        typeof def === "object" &&
        def !== null &&
        (def as ParentPolicy<unknown>).usesParent === true &&
        typeof (def as ParentPolicy<unknown>).check === "function"
      ) {
        this.entries.set(name, { check: (def as ParentPolicy<unknown>).check, usesParent: true });
      } else {
        throw new ConfigurationError(
          `policies.${name}`,
          "must be a function ({ claims, input, args }) => boolean, or { usesParent: true, check }",
        );
      }
    }
  }

  /** The policy names, in declaration order. */
  get names(): readonly string[] {
    return [...this.entries.keys()];
  }

  /** `undefined` for an unknown name. */
  usesParent(name: string): boolean | undefined {
    return this.entries.get(name)?.usesParent;
  }

  /** Throws the start-up `ConfigurationError` for a name that is not declared. */
  assertKnown(name: string, where: string): void {
    if (this.entries.has(name)) return;
    const known = this.names;
    throw new ConfigurationError(
      where,
      `unknown policy ${JSON.stringify(name)}; ${
        known.length === 0
          ? "declare it in createAuth({ policies: { … } })"
          : `declared: ${known.join(", ")}`
      }`,
    );
  }

  /**
   * Runs one policy: `true` only when it returned `true`. A throw becomes a 500 (an
   * `AuthError` is kept as it is), a promise not settled in time a 503.
   */
  run(name: string, claims: unknown, a: PolicyArguments): Promise<boolean> {
    const entry = this.entries.get(name);
    if (!entry) return Promise.reject(unknownAtRequest(name));
    const context: PolicyContext<unknown> = {
      claims,
      input: a.input,
      args: a.args,
      parent: entry.usesParent ? a.parent : undefined,
    };
    try {
      const out = withDeadline(entry.check(context), this.seconds, `the policy ${name}`);
      return Promise.resolve(out).then(
        (v) => v === true,
        (cause: unknown) => {
          throw policyFailure(name, cause);
        },
      );
    } catch (cause) {
      return Promise.reject(policyFailure(name, cause));
    }
  }
}

function unknownAtRequest(name: string): ServerError {
  return new ServerError("internal error: an unknown policy was asked for", {
    reason: "policy_failed",
    cause: new ConfigurationError("policies", `unknown policy ${JSON.stringify(name)}`),
  });
}

function policyFailure(name: string, cause: unknown): AuthError {
  return callbackFailure(
    cause,
    { description: "a policy check is temporarily unavailable", reason: "policy_timeout" },
    { description: `internal error while evaluating the policy ${name}`, reason: "policy_failed" },
  );
}

/** The 403 of a policy that said no: `insufficient_scope`, reason `policy_denied`, no `scope=`. */
export function policyDenied(name: string): InsufficientScopeError {
  return new InsufficientScopeError(`denied by the policy ${name}`, { reason: "policy_denied" });
}

/**
 * A stable memo key for policy arguments: JSON with object keys sorted, or `undefined` when
 * the value cannot be written that way (a cycle, a BigInt, a function): then no memo.
 */
export function argumentsKey(value: unknown): string | undefined {
  try {
    return JSON.stringify(value ?? null, (_key, v: unknown) => {
      if (typeof v === "bigint" || typeof v === "function" || typeof v === "symbol") {
        throw new TypeError("not memoisable");
      }
      if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    });
  } catch {
    return undefined;
  }
}

/**
 * One request's policy outcomes, so each (policy, arguments) — and for `usesParent`
 * policies each parent object — is evaluated at most once; internal.
 */
export class PolicyMemo {
  private readonly byKey = new Map<string, Promise<boolean>>();
  private readonly byParent = new WeakMap<object, Map<string, Promise<boolean>>>();
  private size = 0;

  get(
    registry: PolicyRegistry,
    name: string,
    claims: unknown,
    a: PolicyArguments,
  ): Promise<boolean> {
    const argsKey = argumentsKey(a.input === undefined ? (a.args ?? null) : a.input);
    if (argsKey === undefined) return registry.run(name, claims, a);
    const key = `${name}\u0000${argsKey}`;
    let map = this.byKey;
    if (registry.usesParent(name)) {
      const parent = a.parent;
      if (typeof parent === "object" && parent !== null) {
        map = this.byParent.get(parent) ?? new Map<string, Promise<boolean>>();
        this.byParent.set(parent, map);
      } else {
        const parentKey = argumentsKey(parent);
        if (parentKey === undefined) return registry.run(name, claims, a);
        return this.memo(this.byKey, `${key}\u0000${parentKey}`, () =>
          registry.run(name, claims, a),
        );
      }
    }
    return this.memo(map, key, () => registry.run(name, claims, a));
  }

  private memo(
    map: Map<string, Promise<boolean>>,
    key: string,
    run: () => Promise<boolean>,
  ): Promise<boolean> {
    const known = map.get(key);
    if (known) return known;
    const p = run();
    // Full: evaluated, not remembered (the bound on what one request can make us hold).
    if (this.size >= MAX_POLICY_MEMO) return p;
    p.catch(() => {});
    map.set(key, p);
    this.size++;
    return p;
  }
}
