import type * as NodeCrypto from "node:crypto";

/**
 * Stand-in for `src/core/node-crypto.ts` in the `webcrypto` test project: a runtime without
 * `node:crypto`, so the whole suite also runs on the jose / WebCrypto path.
 */
export const nodeCrypto: typeof NodeCrypto | undefined = undefined;
