import type { AuthState, ScopeArgs } from "./auth-state.js";
import type { Checked } from "./check.js";
import {
  type AuthError,
  type AuthLevel,
  type ChallengeOptions,
  InsufficientScopeError,
} from "./errors.js";
import { isPromiseLike, type MaybePromise } from "./maybe.js";
import { organizationAllowed, organizationDenied, organizationMatcher } from "./organization.js";
import { type PolicyArguments, PolicyMemo, type PolicyRegistry, policyDenied } from "./policies.js";
import type { RequestView } from "./request.js";
import { flattenScopes } from "./scopes.js";
import { authLevelError, checkAuthLevel } from "./step-up.js";
import type { Extraction } from "./token.js";

export type { AuthState, ScopeArgs } from "./auth-state.js";

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * One outcome of a check, for metrics and logs (`onAuthResult`). Never carries the token or
 * claims beyond the issuer and subject.
 */
export type AuthResultEvent =
  | { ok: true; scheme: "Bearer" | "DPoP"; issuer: string; subject: string | undefined }
  | {
      ok: false;
      scheme: "Bearer" | "DPoP" | null;
      status: number;
      code: AuthError["code"];
      reason: AuthError["reason"];
    };

/** What an {@link AuthStateImpl} needs from its `Auth`; internal. */
export interface ContextEngine {
  challenge: ChallengeOptions;
  /**
   * The check of one request: the result at once when it needs no promise (a cached token, or
   * keys at hand with node:crypto), else a promise; fails by throwing or rejecting.
   */
  check(extraction: Extraction, view: RequestView | undefined): MaybePromise<Checked>;
  report: ((event: AuthResultEvent) => void) | undefined;
  policies: PolicyRegistry;
  clockTolerance: number;
}

/** Implementation of {@link AuthState}; internal. */
export class AuthStateImpl<Claims> implements AuthState<Claims, string> {
  readonly token: string | null;
  readonly scheme: "Bearer" | "DPoP" | null;
  private result: Promise<Checked> | undefined;
  /** Set when the check finished synchronously (cache hit): no await needed. */
  private done: Checked | undefined;
  private reported: AuthError | undefined;
  /** Headers of refusals, kept only when there is no sink (see `pendingHeaders`). */
  private unsent: Record<string, string> | undefined;
  private challengeOptions: ChallengeOptions | undefined;
  private policyMemo: PolicyMemo | undefined;

  constructor(
    private readonly engine: ContextEngine,
    private readonly view: RequestView | undefined,
    private readonly extraction: Extraction,
  ) {
    this.token = extraction.ok ? extraction.credentials.token : null;
    this.scheme = extraction.ok ? extraction.credentials.scheme : null;
  }

  /** The challenge settings of this request (the scheme it used), built once when needed. */
  private get challenge(): ChallengeOptions {
    this.challengeOptions ??= { ...this.engine.challenge, scheme: this.scheme };
    return this.challengeOptions;
  }

  /** The one memoised verification of this request. */
  verified(): Promise<Checked> {
    if (!this.result) {
      let checked: MaybePromise<Checked>;
      try {
        checked = this.engine.check(this.extraction, this.view);
      } catch (error) {
        checked = Promise.reject(error);
      }
      if (!isPromiseLike(checked)) {
        this.succeeded(checked);
        this.result = Promise.resolve(checked);
        return this.result;
      }
      this.result = Promise.resolve(checked).then(
        (checked) => this.succeeded(checked),
        (error: AuthError) => {
          this.reportFailure(error);
          throw error.applyChallenge(this.challenge);
        },
      );
      this.result.catch(() => {});
    }
    return this.result;
  }

  expiresAt(): number | undefined {
    const exp = this.done?.payload.exp;
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
  }

  private succeeded(checked: Checked): Checked {
    this.done = checked;
    const sink = this.view?.setHeader;
    if (sink && checked.responseHeaders) {
      for (const [name, value] of Object.entries(checked.responseHeaders)) sink(name, value);
    }
    if (this.engine.report) {
      const sub = checked.payload.sub;
      this.emit({
        ok: true,
        scheme: this.scheme ?? "Bearer",
        issuer: checked.issuer,
        subject: typeof sub === "string" ? sub : undefined,
      });
    }
    return checked;
  }

  async require(): Promise<Claims> {
    const pending = this.verified();
    if (this.done) return this.done.claims as Claims;
    try {
      return (await pending).claims as Claims;
    } catch (error) {
      this.fail(error as AuthError);
    }
  }

  async claims(): Promise<Claims | null> {
    return this.verified().then(
      (v) => v.claims as Claims,
      () => null,
    );
  }

  async isAuthenticated(): Promise<boolean> {
    return this.verified().then(
      () => true,
      () => false,
    );
  }

  async hasScopes(...scopes: ScopeArgs): Promise<boolean> {
    return this.test((v) => flattenScopes(scopes).every((s) => v.scopes.has(s)));
  }

  async hasAnyScope(...scopes: ScopeArgs): Promise<boolean> {
    return this.test((v) => flattenScopes(scopes).some((s) => v.scopes.has(s)));
  }

  async hasPermissions(...permissions: ScopeArgs): Promise<boolean> {
    return this.test((v) => flattenScopes(permissions).every((p) => v.permissions.has(p)));
  }

  async requireScopes(...scopes: ScopeArgs): Promise<Claims> {
    const wanted = flattenScopes(scopes);
    return this.demand((v) => wanted.every((s) => v.scopes.has(s)), wanted, "scope");
  }

  async requireAnyScope(...scopes: ScopeArgs): Promise<Claims> {
    const wanted = flattenScopes(scopes);
    return this.demand((v) => wanted.some((s) => v.scopes.has(s)), wanted, "any");
  }

  async requirePermissions(...permissions: ScopeArgs): Promise<Claims> {
    const wanted = flattenScopes(permissions);
    return this.demand((v) => wanted.every((p) => v.permissions.has(p)), wanted, "permission");
  }

  async hasAuthLevel(level: AuthLevel): Promise<boolean> {
    const wanted = checkAuthLevel(level, "hasAuthLevel");
    return this.test((v) => this.levelError(v, wanted) === null);
  }

  async requireAuthLevel(level: AuthLevel): Promise<Claims> {
    const wanted = checkAuthLevel(level, "requireAuthLevel");
    const v = await this.checked();
    const error = this.levelError(v, wanted);
    if (error) this.fail(error);
    return v.claims as Claims;
  }

  private levelError(v: Checked, level: AuthLevel) {
    const payload = v.payload as Record<string, unknown>;
    return authLevelError(payload, level, Date.now() / 1000, this.engine.clockTolerance);
  }

  async hasOrganization(organizations?: string | readonly string[]): Promise<boolean> {
    const m =
      organizations === undefined ? null : organizationMatcher(organizations, "hasOrganization");
    return this.test((v) => organizationAllowed(v.payload as Record<string, unknown>, m));
  }

  async requireOrganization(organizations?: string | readonly string[]): Promise<Claims> {
    const m =
      organizations === undefined
        ? null
        : organizationMatcher(organizations, "requireOrganization");
    const v = await this.checked();
    const payload = v.payload as Record<string, unknown>;
    if (!organizationAllowed(payload, m)) this.fail(organizationDenied(payload));
    return v.claims as Claims;
  }

  get policyNames(): readonly string[] {
    return this.engine.policies.names;
  }

  policy(name: string): { readonly usesParent: boolean } | undefined {
    const usesParent = this.engine.policies.usesParent(name);
    return usesParent === undefined ? undefined : { usesParent };
  }

  async hasPolicy(name: string, args: PolicyArguments = {}): Promise<boolean> {
    let v: Checked;
    try {
      v = await this.verified();
    } catch {
      return false;
    }
    return this.evaluatePolicy(name, v, args);
  }

  async requirePolicy(name: string, args: PolicyArguments = {}): Promise<Claims> {
    const v = await this.checked();
    let allowed: boolean;
    try {
      allowed = await this.evaluatePolicy(name, v, args);
    } catch (error) {
      this.fail(error as AuthError);
    }
    if (!allowed) this.fail(policyDenied(name));
    return v.claims as Claims;
  }

  private evaluatePolicy(name: string, v: Checked, args: PolicyArguments): Promise<boolean> {
    this.policyMemo ??= new PolicyMemo();
    return this.policyMemo.get(this.engine.policies, name, v.claims, args);
  }

  /** The verification, or the refusal answered through {@link AuthStateImpl.fail}. */
  private async checked(): Promise<Checked> {
    const p = this.verified();
    if (this.done) return this.done;
    try {
      return await p;
    } catch (error) {
      this.fail(error as AuthError);
    }
  }

  fail(error: AuthError): never {
    this.reportFailure(error);
    const e = error.applyChallenge(this.challenge);
    const sink = this.view?.setHeader;
    if (sink) for (const [name, value] of Object.entries(e.headers)) sink(name, value);
    else this.unsent = { ...this.unsent, ...e.headers };
    throw e;
  }

  pendingHeaders(): Readonly<Record<string, string>> {
    if (this.view?.setHeader) return NO_HEADERS;
    const success = this.done?.responseHeaders;
    if (!success && !this.unsent) return NO_HEADERS;
    return { ...success, ...this.unsent };
  }

  private reportFailure(error: AuthError): void {
    if (!this.engine.report || this.reported === error) return;
    this.reported = error;
    const { status, code, reason } = error;
    this.emit({ ok: false, scheme: this.scheme, status, code, reason });
  }

  private emit(event: AuthResultEvent): void {
    try {
      this.engine.report?.(event);
    } catch {
      // A failing metrics hook must never change the outcome of a request.
    }
  }

  private async test(predicate: (v: Checked) => boolean): Promise<boolean> {
    const p = this.verified();
    if (this.done) return predicate(this.done);
    return p.then(predicate, () => false);
  }

  private async demand(
    predicate: (v: Checked) => boolean,
    wanted: string[],
    kind: "scope" | "any" | "permission",
  ): Promise<Claims> {
    let v: Checked;
    const p = this.verified();
    if (this.done) v = this.done;
    else {
      try {
        v = await p;
      } catch (error) {
        this.fail(error as AuthError);
      }
    }
    if (predicate(v)) return v.claims as Claims;
    const description =
      kind === "permission"
        ? `missing required permissions: ${wanted.join(" ")}`
        : kind === "any"
          ? `requires one of the scopes: ${wanted.join(" ")}`
          : `missing required scopes: ${wanted.join(" ")}`;
    // RFC 6750 §3: scope= names what the resource needs. Permissions are not scopes, but
    // Auth0 RBAC permissions are requested as scopes, so they are named the same way.
    this.fail(
      new InsufficientScopeError(
        description,
        { reason: kind === "permission" ? "insufficient_permissions" : "insufficient_scope" },
        wanted,
      ),
    );
  }
}
