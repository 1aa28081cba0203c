import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJws } from "../../src/core/jws.js";
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

describe("decodeJws (internal), with and without Buffer", () => {
  /** Runs `f` as on a runtime without Node's Buffer (Workers, Deno, browsers): atob + TextDecoder. */
  const withoutBuffer = <T>(f: () => T): T => {
    const saved = globalThis.Buffer;
    (globalThis as { Buffer?: unknown }).Buffer = undefined;
    try {
      return f();
    } finally {
      globalThis.Buffer = saved;
    }
  };
  const both = (token: string, ...rest: [Parameters<typeof decodeJws>[1]?, boolean?]) => {
    const a = decodeJws(token, ...rest);
    const b = withoutBuffer(() => decodeJws(token, ...rest));
    const plain = (d: typeof a) =>
      typeof d === "string" ? d : { ...d, signature: Array.from(d.signature) };
    expect(plain(b)).toEqual(plain(a));
    return a;
  };

  it("an issuer's token decodes to the same header, payload, signing input and signature bytes", async () => {
    const token = await issuer.sign({ sub: "ünïcode \uFFFD", scope: "read" });
    const d = both(token);
    if (typeof d === "string") throw new Error(d);
    const [h, p, s] = token.split(".");
    expect(d.header).toMatchObject({ alg: "RS256", kid: expect.any(String) });
    expect(d.payload).toMatchObject({ sub: "ünïcode \uFFFD", scope: "read" });
    expect(d.signingInput).toBe(`${h}.${p}`);
    expect(Buffer.from(d.signature).toString("base64url")).toBe(s);
    expect(d.headerSegment).toBe(h);
    expect(d.headerKnown).toBe(false);
  });

  it("malformed UTF-8, non-objects and bad JSON are refused the same way on both paths", () => {
    const head = b64u('{"alg":"RS256"}');
    const sig = b64u("sig");
    const bad = b64u(
      Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    );
    expect(both(`${head}.${bad}.${sig}`)).toBe("malformed token payload");
    expect(both(`${bad}.${head}.${sig}`)).toBe("malformed token header");
    for (const json of ["[1]", "null", "7", '"s"', "{"]) {
      expect(both(`${head}.${b64u(json)}.${sig}`)).toBe("malformed token payload");
    }
  });

  it("names what the token is when it is not three segments", () => {
    expect(both("opaque-token")).toBe("opaque");
    expect(both("a.b.c.d.e")).toBe("encrypted");
    for (const t of ["a.b", "a.b.c.d", "a.b.c.d.e.f"])
      expect(both(t)).toBe("malformed token: not a JWS");
    // Three segments are a JWS shape whatever their lengths: what is wrong is said further in.
    expect(both("a.b.AAAA")).toBe("malformed token header");
    expect(both("..AAAA")).toBe("malformed token encoding");
  });

  it("base64url only, unpadded, and the signature's last character canonical", () => {
    const head = b64u('{"alg":"RS256"}');
    const body = b64u('{"sub":"x"}');
    const ok = (sig: string) => expect(typeof both(`${head}.${body}.${sig}`)).toBe("object");
    const no = (sig: string) =>
      expect(both(`${head}.${body}.${sig}`)).toBe("malformed token encoding");
    ok(""); // alg "none" shape: decoded, refused later by the algorithm check
    ok("AAAA"); // length % 4 === 0
    ok("AA"); // 2 characters: the last one's low 4 bits are unused → "A", "Q", "g", "w" only
    ok("AQ");
    no("AB");
    no("AE"); // low 2 bits zero, low 4 bits not
    no("AP");
    ok("AAA"); // 3 characters: the last one's low 2 bits are unused → multiples of 4
    ok("AAE");
    no("AAB");
    no("AAD");
    no("AAAAA"); // length % 4 === 1 is no base64 at all
    no("AA==");
    no("AA+/");
    expect(both(`${head}=.${body}.AAAA`)).toBe("malformed token encoding");
    expect(both(`${head}.${body}=.AAAA`)).toBe("malformed token encoding");
  });

  it("a header memo hit skips the header's decoding; `shaped` skips the character scans but not the canonical end", () => {
    const body = b64u('{"sub":"x"}');
    const memo = { alg: "ES256", kid: "k" };
    const d = both(`not!base64.${body}.AAAA`, (seg) => (seg === "not!base64" ? memo : undefined));
    expect(d).toMatchObject({ header: memo, headerKnown: true, headerSegment: "not!base64" });
    const head = b64u('{"alg":"RS256"}');
    expect(both(`${head}.${body}.AB`, undefined, true)).toBe("malformed token encoding");
    expect(typeof both(`${head}.${body}.AQ`, undefined, true)).toBe("object");
    // Without the memo, the same header segment is refused.
    expect(both(`not!base64.${body}.AAAA`)).toBe("malformed token encoding");
  });
});
