import { onTestFinished } from "vitest";
import { type AuthError, type AuthOptions, createAuth } from "../../src/index.js";
import { createTestIssuer } from "../../src/testing/index.js";
import { controlledDate } from "./clock.js";

/**
 * For one test: a test issuer of its own (closed when the test ends), an auth on it with the
 * given `cache` settings and no logger, and a controlled clock standing at the whole second
 * `t` (ms). `ask(token)` verifies and answers 200 or the AuthError.
 */
export async function clockedIssuer(cache: AuthOptions["cache"]) {
  const idp = await createTestIssuer();
  onTestFinished(() => idp.close());
  const t = Math.floor(Date.now() / 1000) * 1000;
  const clock = controlledDate(onTestFinished, t);
  const auth = createAuth({ issuer: idp.url, audience: idp.audience, logger: false, cache });
  const ask = (token: string) =>
    auth.verify(token).then(
      () => 200 as const,
      (e: AuthError) => e,
    );
  return { idp, t, clock, auth, ask };
}
