import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");

/** A token made of raw segments (not signed by the issuer: refused before any signature work). */
const raw = (header: Uint8Array | string, payload: Uint8Array | string) =>
  `${b64u(header)}.${b64u(payload)}.${b64u("signature")}`;

describe("JWS decoding is strict UTF-8 JSON", () => {
  const header = JSON.stringify({ alg: "RS256", typ: "JWT" });
  const refuse = async (token: string, description: string) => {
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    await expect(auth.verify(token)).rejects.toMatchObject({
      status: 401,
      code: "invalid_token",
      reason: "malformed_token",
      description,
    });
  };

  it("a payload with malformed UTF-8 is refused (not decoded to U+FFFD)", async () => {
    const prefix = Buffer.from('{"iss":"x","sub":"');
    const bad = Buffer.concat([prefix, Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    await refuse(raw(header, bad), "malformed token payload");
    // A lone continuation byte and a truncated sequence too.
    await refuse(
      raw(header, Buffer.concat([prefix, Buffer.from([0x80, 0x22, 0x7d])])),
      "malformed token payload",
    );
    await refuse(
      raw(header, Buffer.concat([prefix, Buffer.from([0xe2, 0x82, 0x22, 0x7d])])),
      "malformed token payload",
    );
  });

  it("a header with malformed UTF-8 is refused", async () => {
    const bad = Buffer.concat([
      Buffer.from('{"alg":"RS256","kid":"'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    await refuse(raw(bad, JSON.stringify({ iss: issuer.url })), "malformed token header");
  });

  it("a signature spelled with non-zero unused bits in its last character is refused (one token, one spelling)", async () => {
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const token = await issuer.sign({ sub: "canonical" });
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: "canonical" });
    const sig = token.slice(token.lastIndexOf(".") + 1);
    expect(sig.length % 4).toBe(2); // RS256 with a 2048-bit key: 256 bytes → 342 characters
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(sig.at(-1) as string);
    // Same decoded bytes (only the 4 unused bits differ): a decoder alone would accept it.
    const variant = `${token.slice(0, -1)}${alphabet[last ^ 0b0001]}`;
    expect(Buffer.from(variant.slice(variant.lastIndexOf(".") + 1), "base64url")).toEqual(
      Buffer.from(sig, "base64url"),
    );
    await expect(auth.verify(variant)).rejects.toMatchObject({
      status: 401,
      reason: "malformed_token",
      description: "malformed token encoding",
    });
  });

  it("a genuine U+FFFD (and other non-ASCII text) in a verified token's claims is kept", async () => {
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const token = await issuer.sign({ sub: "user-\uFFFD-é-😀", name: "Zoë \uFFFD" });
    await expect(auth.verify(token)).resolves.toMatchObject({
      sub: "user-\uFFFD-é-😀",
      name: "Zoë \uFFFD",
    });
  });
});
