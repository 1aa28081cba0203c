/**
 * scopegate — protect tRPC procedures and GraphQL fields with OAuth 2.0 / OpenID Connect
 * JWT access tokens (Auth0 first, any OIDC issuer second).
 *
 * This entry point has no framework imports: `createAuth`, the errors and the types.
 * Adapters live in `scopegate/trpc`, `scopegate/graphql`; a local issuer for tests in
 * `scopegate/testing`.
 *
 * @module scopegate
 */
export { type Auth, type AuthStats, createAuth, type VerifyOptions } from "./core/auth.js";
export type { AuthResultEvent, AuthState, ScopeArgs } from "./core/context.js";
export {
  type AnyAuthError,
  AuthError,
  type AuthErrorCode,
  type AuthErrorOptions,
  type AuthErrorReason,
  type AuthLevel,
  type ChallengeOptions,
  ConfigurationError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  isAuthError,
  type OptionProblem,
  ServerError,
  TemporarilyUnavailableError,
  UnauthorizedError,
  UseDpopNonceError,
} from "./core/errors.js";
export type {
  IntrospectionCacheOptions,
  IntrospectionClientAuth,
  IntrospectionOptions,
} from "./core/introspection-options.js";
export { checkIssuerUrl, domainToIssuer } from "./core/issuer-url.js";
export type { Logger } from "./core/logger.js";
export type { MtlsOptions } from "./core/mtls.js";
export {
  createNonceProvider,
  type HmacNonceOptions,
  type NonceProvider,
} from "./core/nonce.js";
export { ASYMMETRIC_ALGORITHMS } from "./core/options.js";
export {
  checkOrganizations,
  type OrganizationOption,
  type OrganizationResolver,
  type OrganizationResolverInput,
} from "./core/organization.js";
export type { OrganizationClaims } from "./core/organization-check.js";
export {
  definePolicies,
  MAX_POLICY_MEMO,
  type ParentPolicy,
  type Policies,
  type PolicyArguments,
  type PolicyContext,
  type PolicyDefinition,
  type PolicyFunction,
  type PolicyNames,
} from "./core/policies.js";
export {
  createMemoryReplayStore,
  type MemoryReplayStoreOptions,
  type ReplayStore,
} from "./core/replay.js";
export type {
  AuthContextInput,
  ConnectionInfoLike,
  HeaderSinkLike,
  HeadersLike,
  LambdaContextInput,
  LambdaEventLike,
  RequestLike,
  ResponseSinkLike,
} from "./core/request.js";
export type {
  ProtectedResourceMetadata,
  ResourceMetadata,
  ResourceMetadataOptions,
} from "./core/resource-metadata.js";
export type { StandardSchemaV1 } from "./core/standard-schema.js";
export { AUTH0_MFA_ACR, checkAuthLevel } from "./core/step-up.js";
export { MAX_TOKEN_LENGTH } from "./core/token.js";
export type { TokenCacheOptions } from "./core/token-cache.js";
export type {
  AccessTokenClaims,
  AuthOptions,
  CacheOptions,
  ClaimsOf,
  DpopOptions,
  HeaderLookup,
  IssuerResolver,
  IssuerResolverInput,
} from "./core/types.js";
