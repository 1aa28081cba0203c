/**
 * The browser demo (examples/browser) in a real Chromium: the page makes a non-extractable
 * WebCrypto key, gets a DPoP-bound token from the embedded issuer, calls the tRPC and GraphQL
 * examples across origins (CORS), and shows a replayed proof and a Bearer-sent bound token
 * refused. Uses Debian's `chromium` package (`apt-get install chromium`); without it
 * `npm test` skips this file (vitest.config.ts), and with `CI` set it fails.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startBrowserDemo } from "../../examples/browser/server.js";
import { startGraphqlExample } from "../../examples/graphql/server.js";
import { type ExampleAuth, setupExampleAuth } from "../../examples/setup.js";
import { startTrpcExample } from "../../examples/trpc/server.js";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

type Closable = { close(): Promise<void> };

let example: ExampleAuth;
let browser: Browser | undefined;
const servers: Closable[] = [];
const urls = { page: "", trpc: "", graphql: "", issuer: "" };

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  // As `npm run demo` does, on the embedded issuer whatever the environment or .env says.
  for (const name of ["AUTH0_DOMAIN", "AUTH0_AUDIENCE", "SCOPEGATE_ISSUER"]) vi.stubEnv(name, "");
  example = await setupExampleAuth();
  const issuer = example.issuer;
  if (!issuer) throw new Error("expected the embedded issuer");
  const trpc = await startTrpcExample({ auth: example.auth });
  servers.push(trpc);
  const graphql = await startGraphqlExample({ auth: example.auth });
  servers.push(graphql);
  const page = await startBrowserDemo({
    tokenEndpoint: issuer.tokenEndpoint,
    trpcUrl: trpc.url,
    graphqlUrl: graphql.url,
  });
  servers.push(page);
  Object.assign(urls, {
    page: page.url,
    trpc: trpc.url,
    graphql: graphql.url,
    issuer: issuer.origin,
  });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 20_000,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Nothing but 127.0.0.1 resolves (GraphiQL's CDN assets fail fast instead of loading).
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await Promise.allSettled(servers.map((s) => s.close()));
  await example?.close();
  vi.unstubAllEnvs();
});

/** Opens a page in a fresh context, recording every request URL and uncaught page error. */
async function openPage(
  url: string,
): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext();
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(url, { waitUntil: "domcontentloaded" });
  return { page, requests, errors };
}

describe("browser demo (Chromium)", () => {
  it("gets a DPoP-bound token with a non-extractable key and calls both APIs", async () => {
    const { page, requests, errors } = await openPage(urls.page);
    try {
      const text = (id: string) => page.getByTestId(id).textContent();
      await expect.poll(() => text("state")).toBe("ready");
      await page.getByTestId("run").click();
      await expect.poll(() => text("state"), { timeout: 10_000 }).toMatch(/^(done|error)$/);
      expect(await text("error")).toBe("");
      expect(await text("state")).toBe("done");

      expect(await text("key")).toContain("private key extractable: false");

      expect(await text("token-status")).toBe("200");
      const token = JSON.parse((await text("token-body")) ?? "");
      expect(token.token_type).toBe("DPoP");
      expect(token.scope).toBe("read:messages");

      expect(await text("trpc-status")).toBe("200");
      expect(JSON.parse((await text("trpc-body")) ?? "")).toEqual({
        result: { data: [{ id: 1, text: "Welcome to scopegate" }] },
      });

      expect(await text("graphql-status")).toBe("200");
      expect(JSON.parse((await text("graphql-body")) ?? "")).toEqual({
        data: {
          messages: [
            { text: "Welcome to scopegate" },
            { text: "Tokens are verified once per request" },
          ],
        },
      });

      // The replayed proof: 400, with the challenge readable cross-origin (exposed by CORS).
      expect(await text("replay-status")).toBe("400");
      expect(await text("replay-challenge")).toMatch(
        /^WWW-Authenticate: .*DPoP error="invalid_dpop_proof", error_description="DPoP proof was already used"/,
      );
      expect(await text("replay-body")).toContain('"error": "invalid_dpop_proof"');

      // The bound token as a Bearer token: 401.
      expect(await text("bearer-status")).toBe("401");
      expect(await text("bearer-challenge")).toMatch(/error="invalid_token"/);

      expect(errors).toEqual([]);
      const origins = new Set(requests.map((url) => new URL(url).origin));
      expect([...origins].sort()).toEqual(
        [urls.page, urls.trpc, urls.graphql, urls.issuer].map((u) => new URL(u).origin).sort(),
      );
    } finally {
      await page.context().close();
    }
  });

  it("serves GraphiQL, and a pasted Bearer token works from its origin", async () => {
    const { page } = await openPage(urls.graphql);
    try {
      // GraphiQL's HTML shell with the header editor prefilled for pasting a token. Its
      // scripts come from unpkg.com, which this offline test does not load.
      expect(await page.title()).toBe("scopegate GraphQL example");
      expect(await page.content()).toContain("Authorization");
      expect(await page.content()).toContain("paste an access token");

      // What GraphiQL sends with a pasted token: a same-origin POST with the header.
      const mint = example.mint;
      if (!mint) throw new Error("expected the embedded issuer");
      const pasted = await mint({ scope: "read:messages" });
      const result = await page.evaluate(
        async ({ url, token }) => {
          const response = await fetch(url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              accept: "application/graphql-response+json, application/json",
              authorization: `Bearer ${token}`,
            },
            body: JSON.stringify({ query: "{ me { sub } messages { text } }" }),
          });
          return { status: response.status, body: await response.json() };
        },
        { url: urls.graphql, token: pasted },
      );
      expect(result.status).toBe(200);
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.messages[0]).toEqual({ text: "Welcome to scopegate" });
    } finally {
      await page.context().close();
    }
  });
});
