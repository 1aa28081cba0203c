import type { JWTPayload, ProtectedHeaderParameters } from "jose";
import { type ClaimRules, checkClaims } from "./claims.js";
import { sha256b64u } from "./crypto.js";
import {
  type AuthError,
  InvalidTokenError,
  ServerError,
  TemporarilyUnavailableError,
} from "./errors.js";
import {
  type IntrospectionAnswer,
  IntrospectionCache,
  TooManyIntrospectionsError,
} from "./introspection-cache.js";
import { IntrospectionClient } from "./introspection-client.js";
import type { ResolvedIntrospection } from "./introspection-options.js";
import { describeError } from "./logger.js";
import { isPromiseLike } from "./maybe.js";
import type { ResolvedOptions } from "./options.js";
import type { RequestView } from "./request.js";
import { readPermissions, readScopes } from "./scopes.js";
import { issuePaths } from "./standard-schema.js";
import type { Verified } from "./verify.js";

/** Whether `iss` is an accepted issuer for this request (the static list or the resolver). */
export type IssuerCheck = (view: RequestView | undefined, iss: string) => Promise<boolean>;

const invalid = (description: string, reason: AuthError["reason"]) =>
  new InvalidTokenError(description, { reason });

const inactive = () =>
  invalid(
    "access token is not active (revoked, expired or unknown to the issuer)",
    "token_inactive",
  );

/**
 * RFC 7662 introspection of access tokens, behind a bounded single-flight cache; internal.
 * Opaque tokens get a {@link Verified} of the same shape as a JWT's, after the same claim
 * checks; with `jwt: "always"` a locally verified JWT must also be active.
 */
export class Introspector {
  readonly cache: IntrospectionCache;
  readonly jwtAlways: boolean;
  private readonly client: IntrospectionClient;
  private readonly single: string | undefined;
  private warned = false;

  constructor(
    private readonly o: ResolvedOptions,
    i: ResolvedIntrospection,
    private readonly rules: ClaimRules,
    private readonly issuerAccepted: IssuerCheck,
  ) {
    this.cache = new IntrospectionCache(i.cache.max, i.cache.maxAge, i.cache.negativeMaxAge);
    this.jwtAlways = i.jwt === "always";
    this.single = o.issuers?.length === 1 ? o.issuers[0] : undefined;
    const http = {
      fetch: o.fetch,
      timeout: o.cache.timeout,
      maxBytes: o.cache.maxResponseBytes,
    };
    this.client = new IntrospectionClient(i, this.single, http, o.cache.discoveryMaxAge);
  }

  /** Introspects an opaque token and checks its claims like a JWT's. */
  async verifyOpaque(token: string, view: RequestView | undefined, now: number): Promise<Verified> {
    const answer = await this.answer(token, now);
    if (answer === null) throw inactive();
    return this.check(answer, view, now);
  }

  /** `jwt: "always"`: a JWT that passed local verification must also be active. */
  async requireActive(token: string, now: number): Promise<void> {
    if ((await this.answer(token, now)) === null) throw inactive();
  }

  private async answer(token: string, now: number): Promise<IntrospectionAnswer> {
    const h = sha256b64u(token);
    const key = isPromiseLike(h) ? await h : h;
    try {
      const got = this.cache.get(key, now, () => this.load(token));
      return isPromiseLike(got) ? await got : got;
    } catch (error) {
      if (!(error instanceof TooManyIntrospectionsError)) throw error;
      // The in-flight table is full (a flood of distinct new tokens): shed, never allow.
      throw new TemporarilyUnavailableError("token introspection is temporarily unavailable", {
        reason: "introspection_unavailable",
        cause: error,
        headers: { "Retry-After": "1" },
      });
    }
  }

  /** One request to the endpoint; every failure becomes the 503 (never an allow). */
  private async load(token: string): Promise<IntrospectionAnswer> {
    const retryAfter = this.o.cache.retryAfter;
    try {
      const answer = await this.client.introspect(token, "access_token");
      if (this.warned) {
        this.warned = false;
        this.o.logger.warn("scopegate: the introspection endpoint answers again");
      }
      return answer;
    } catch (cause) {
      if (!this.warned) {
        this.warned = true;
        this.o.logger.warn(
          `scopegate: token introspection failed (${describeError(cause)}); requests with tokens not in the introspection cache get 503 (Retry-After ${retryAfter} s). Check introspection.endpoint, the client credentials and that the issuer is reachable.`,
        );
      }
      throw new TemporarilyUnavailableError("token introspection is temporarily unavailable", {
        reason: "introspection_unavailable",
        cause,
        headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfter))) },
      });
    }
  }

  /** The JWT claim checks on an active answer: issuer, registered claims, the schema. */
  private async check(
    answer: Record<string, unknown>,
    view: RequestView | undefined,
    now: number,
  ): Promise<Verified> {
    const payload: Record<string, unknown> = { ...answer };
    let iss = payload.iss;
    if (iss === undefined && this.single !== undefined) {
      // RFC 7662 makes iss optional; the one configured issuer is then the issuer.
      iss = this.single;
      payload.iss = iss;
    }
    if (typeof iss !== "string" || iss === "") {
      throw invalid("the introspection answer names no issuer", "issuer_not_allowed");
    }
    if (!(await this.issuerAccepted(view, iss))) {
      throw invalid("token issuer is not accepted", "issuer_not_allowed");
    }
    checkClaims(payload, this.rules, now);
    let claims: unknown = payload;
    if (this.o.claims) claims = await validateClaims(this.o, payload);
    return {
      claims,
      payload: payload as JWTPayload,
      header: {} as ProtectedHeaderParameters,
      issuer: iss,
      scopes: readScopes(payload),
      permissions: readPermissions(payload),
    };
  }
}

/** The `claims` schema on a payload, as the JWT path runs it (a refusal is a 401). */
async function validateClaims(o: ResolvedOptions, payload: unknown): Promise<unknown> {
  const schema = o.claims;
  if (!schema) return payload;
  let result: Awaited<ReturnType<(typeof schema)["~standard"]["validate"]>>;
  try {
    const got = schema["~standard"].validate(payload);
    result = isPromiseLike(got) ? await got : got;
  } catch (cause) {
    throw new ServerError("internal error while checking the access token", {
      reason: "internal",
      cause,
    });
  }
  if (result.issues) {
    throw invalid(
      `token claims do not match the expected schema at ${issuePaths(result.issues, 3).join(", ")}`,
      "claims_schema",
    );
  }
  return result.value;
}
