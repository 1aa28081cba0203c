import * as dpopClient from "dpop";
import { calculateJwkThumbprint } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256b64u } from "../../src/core/crypto.js";
import { normalizeHtu } from "../../src/core/public-url.js";
import { type AuthError, createAuth } from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";

describe("known answers", () => {
  it("RFC 7638 §3.1 thumbprint", async () => {
    const jwk = {
      kty: "RSA",
      n: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
      e: "AQAB",
      alg: "RS256",
      kid: "2011-04-29",
    };
    expect(await calculateJwkThumbprint(jwk, "sha256")).toBe(
      "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
    );
  });

  it("RFC 9449 §6.1 example key jkt", async () => {
    const jwk = {
      kty: "EC",
      x: "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
      y: "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
      crv: "P-256",
    };
    expect(await calculateJwkThumbprint(jwk, "sha256")).toBe(
      "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I",
    );
  });

  it("RFC 9449 §7.1 ath", async () => {
    expect(await sha256b64u("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU")).toBe(
      "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo",
    );
  });

  it("RFC 3986 §6.2.2–6.2.3 normalisation", () => {
    expect(normalizeHtu("HTTPS://Example.COM:443")).toBe("https://example.com/");
    expect(normalizeHtu("http://example.com:80/a/./b/../c?q#f")).toBe("http://example.com/a/c");
    expect(normalizeHtu("https://example.com/%7euser/%2f")).toBe("https://example.com/~user/%2F");
    expect(normalizeHtu("https://example.com:8443/x")).toBe("https://example.com:8443/x");
    expect(normalizeHtu("ftp://example.com/")).toBeUndefined();
    expect(normalizeHtu("/relative")).toBeUndefined();
  });
});

describe("interop: proofs from the `dpop` npm package (panva)", () => {
  let issuer: TestIssuer;
  const url = "https://api.example.com/resource";
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());

  const verifyWith = async (
    alg: dpopClient.JWSAlgorithm,
    htu: string,
    htm: string,
    requestUrl = url,
  ) => {
    const keypair = await dpopClient.generateKeyPair(alg);
    const jkt = await dpopClient.calculateThumbprint(keypair.publicKey);
    const token = await issuer.sign({ scope: "read" }, { dpopJkt: jkt });
    const proof = await dpopClient.generateProof(keypair, htu, htm, undefined, token);
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      dpop: { mode: "required" },
    });
    const { auth: state } = auth.createAuthContext({
      method: "GET",
      url: requestUrl,
      headers: { authorization: `DPoP ${token}`, dpop: proof },
    });
    return state.require().then(
      () => 200,
      (e: AuthError) => `${e.status} ${e.description}`,
    );
  };

  it.each(["ES256", "RS256", "PS256", "Ed25519"] as const)("%s proof is accepted", async (alg) => {
    expect(await verifyWith(alg, url, "GET")).toBe(200);
  });

  it("a proof whose htu carries a query string is accepted (query ignored on both sides)", async () => {
    expect(await verifyWith("ES256", `${url}?page=2`, "GET", `${url}?page=3`)).toBe(200);
  });

  it("a lower-case htm is refused: HTTP methods are case-sensitive (RFC 9110 §9.1)", async () => {
    expect(await verifyWith("ES256", url, "get")).toBe(
      "400 DPoP proof htm does not match the request method",
    );
  });
});
