/**
 * `verifySignature` (internal) on both of its paths — node:crypto for the algorithms of
 * NATIVE_PARAMS, jose / WebCrypto for the rest (and for everything in the `webcrypto`
 * project) — at its edges: weak and unusable keys, an algorithm the runtime lacks, and a
 * failure that is not a bad signature (mutation testing, issue 18).
 */
import { createHmac, generateKeyPairSync, type JsonWebKey, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { UnusableKeyError, verifySignature } from "../../src/core/signature.js";

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
const SECRET = Buffer.alloc(32, 7);
const OCT = { kty: "oct", k: SECRET.toString("base64url") };

function hsInput(alg: string) {
  const signingInput = `${b64({ alg })}.${b64({ sub: "x" })}`;
  const signature = createHmac("sha256", SECRET).update(signingInput).digest();
  return { signingInput, signature: new Uint8Array(signature) };
}

async function thrown(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error("no error");
}

const rsa1024 = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({
  format: "jwk",
}) as JsonWebKey;

describe("verifySignature (internal)", () => {
  it("an UnusableKeyError is named so", () => {
    expect(new UnusableKeyError("x").name).toBe("UnusableKeyError");
  });

  it("jose path (HS256 is not native): true for a good signature, false for a bad one", async () => {
    const { signingInput, signature } = hsInput("HS256");
    expect(await verifySignature("HS256", OCT, signingInput, signature)).toBe(true);
    const bad = signature.slice();
    bad[0] = (bad[0] as number) ^ 1;
    expect(await verifySignature("HS256", { ...OCT }, signingInput, bad)).toBe(false);
  });

  it("jose path: a failure that is not a bad signature propagates, never a false", async () => {
    // The protected header says HS512: jose refuses it for algorithms [HS256].
    const { signingInput, signature } = hsInput("HS512");
    const e = await thrown(() => verifySignature("HS256", { ...OCT }, signingInput, signature));
    expect(e).not.toBeInstanceOf(UnusableKeyError);
    expect((e as { code?: string }).code).toBe("ERR_JOSE_ALG_NOT_ALLOWED");
  });

  it("jose path: a key that cannot be imported is an UnusableKeyError with its cause", async () => {
    const { signingInput, signature } = hsInput("HS256");
    const e = await thrown(() => verifySignature("HS256", { kty: "oct" }, signingInput, signature));
    expect(e).toBeInstanceOf(UnusableKeyError);
    expect((e as Error).message).toBe("the key could not be imported");
    expect((e as Error).cause).toBeInstanceOf(Error);
  });

  it("jose path: an algorithm the runtime lacks is the server's fault, not the key's", async () => {
    const e = await thrown(() =>
      verifySignature("Ed448", { kty: "OKP", crv: "Ed448", x: "AA" }, "a.b", new Uint8Array(114)),
    );
    expect(e).not.toBeInstanceOf(UnusableKeyError);
    expect((e as { code?: string }).code).toBe("ERR_JOSE_NOT_SUPPORTED");
  });

  it("both paths refuse an RSA key under 2048 bits before any signature work", async () => {
    for (const alg of ["RS256", "RSA-OAEP"]) {
      const e = await thrown(() =>
        verifySignature(alg, { ...rsa1024 }, "a.b", new Uint8Array(128)),
      );
      expect(e, alg).toBeInstanceOf(UnusableKeyError);
      expect((e as Error).message).toBe("RSA keys shorter than 2048 bits are refused");
    }
  });

  it("a key node:crypto cannot import is an UnusableKeyError with its cause (or the jose path's)", async () => {
    const e = await thrown(() =>
      verifySignature("RS256", { kty: "RSA", n: "AQAB" }, "a.b", new Uint8Array(256)),
    );
    expect(e).toBeInstanceOf(UnusableKeyError);
    const { message, cause } = e as Error;
    expect(message).toMatch(
      /^(the key could not be imported|RSA keys shorter than 2048 bits are refused)$/,
    );
    if (message === "the key could not be imported") expect(cause).toBeInstanceOf(Error);
  });

  it("a proof key looked up by thumbprint verifies like any other", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const jwk = publicKey.export({ format: "jwk" });
    const signingInput = `${b64({ alg: "EdDSA" })}.${b64({})}`;
    const signature = new Uint8Array(sign(null, Buffer.from(signingInput), privateKey));
    expect(await verifySignature("EdDSA", { ...jwk }, signingInput, signature, "tp-1")).toBe(true);
    expect(await verifySignature("EdDSA", { ...jwk }, signingInput, signature, "tp-1")).toBe(true);
  });
});
