import type * as NodeCrypto from "node:crypto";

/**
 * `node:crypto` when the runtime has it (Node, Bun, Deno), loaded without a static import so
 * the core still runs where it is missing; then every check falls back to WebCrypto through
 * jose. Internal.
 */
export const nodeCrypto: typeof NodeCrypto | undefined = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.("node:crypto") as typeof NodeCrypto | undefined;
