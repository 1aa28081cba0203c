// The browser demo: plain ES module, no bundler. Every step is shown in the page.
//
// 1. A non-extractable ECDSA P-256 key (WebCrypto): the private key can sign but can never be
//    read by script, so a stolen token is useless without this tab.
// 2. POST {tokenEndpoint} with a DPoP proof (htm POST, htu = the token endpoint): the issuer
//    binds the token to the key (cnf.jkt) and answers token_type "DPoP".
// 3. GET {trpcUrl}/messages and POST {graphqlUrl} with `Authorization: DPoP <token>` and a
//    fresh proof each (htm, htu = the URL without query, ath = hash of the token).
// 4. Two bad calls: the tRPC proof replayed (400 invalid_dpop_proof), and the bound token sent
//    as a Bearer token (401 invalid_token).

const encoder = new TextEncoder();

/** base64url without padding, of bytes or a string. */
function b64u(input) {
  const bytes = typeof input === "string" ? encoder.encode(input) : new Uint8Array(input);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A DPoP key: the private half is non-extractable; the public JWK goes in every proof. */
async function createDpopKey() {
  const { privateKey, publicKey } = await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", publicKey);
  return { privateKey, jwk: { kty, crv, x, y } };
}

/** A DPoP proof JWT (RFC 9449 §4.2). `htu` drops the query and fragment. */
async function createProof(key, method, url, accessToken) {
  const target = new URL(url);
  const header = { typ: "dpop+jwt", alg: "ES256", jwk: key.jwk };
  const payload = {
    jti: crypto.randomUUID(),
    htm: method,
    htu: `${target.origin}${target.pathname}`,
    iat: Math.floor(Date.now() / 1000),
  };
  if (accessToken !== undefined) {
    const hash = await crypto.subtle.digest("SHA-256", encoder.encode(accessToken));
    payload.ath = b64u(hash);
  }
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  // WebCrypto's ECDSA signature is r || s, which is exactly the JWS ES256 format.
  const signature = await crypto.subtle.sign(
    { name: "ECDSA", hash: "SHA-256" },
    key.privateKey,
    encoder.encode(input),
  );
  return `${input}.${b64u(signature)}`;
}

const $ = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`no #${id} in the page`);
  return element;
};

/** Reads a response, shows status, challenge and body under `name`, returns the parsed body. */
async function show(name, response, expectOk) {
  const text = await response.text();
  let parsed;
  let body = text;
  try {
    parsed = JSON.parse(text);
    // tRPC adds a server stack trace to errors outside production; not worth showing here.
    const { stack, ...data } = parsed?.error?.data ?? {};
    const shown = stack === undefined ? parsed : { error: { ...parsed.error, data } };
    body = JSON.stringify(shown, null, 2);
  } catch {
    // not JSON: shown as it is
  }
  const status = $(`${name}-status`);
  status.textContent = String(response.status);
  status.className = `status ${response.ok === expectOk ? "ok" : "bad"}`;
  $(`${name}-body`).textContent = body;
  const challenge = document.getElementById(`${name}-challenge`);
  if (challenge) {
    const value = response.headers.get("www-authenticate");
    challenge.textContent = value ? `WWW-Authenticate: ${value}` : "(no WWW-Authenticate header)";
  }
  return parsed;
}

async function run(config) {
  const key = await createDpopKey();
  $("key").textContent = [
    `algorithm: ES256 (${key.privateKey.algorithm.name} ${key.privateKey.algorithm.namedCurve})`,
    `private key extractable: ${key.privateKey.extractable}`,
    `public JWK: ${JSON.stringify(key.jwk)}`,
  ].join("\n");

  // The token, bound to the key by the proof.
  const tokenResponse = await fetch(config.tokenEndpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      dpop: await createProof(key, "POST", config.tokenEndpoint),
    },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: config.clientId,
      scope: config.scope,
    }),
  });
  const token = await show("token", tokenResponse, true);
  if (!tokenResponse.ok || typeof token?.access_token !== "string") {
    throw new Error(`no access token from ${config.tokenEndpoint}`);
  }
  const accessToken = token.access_token;
  // The token itself is not shown in full: it is a credential.
  $("token-body").textContent = JSON.stringify(
    { ...token, access_token: `${accessToken.slice(0, 16)}… (${accessToken.length} chars)` },
    null,
    2,
  );

  // tRPC: a query is a GET; the proof's htu is the URL without its query string.
  const trpcUrl = `${config.trpcUrl}/messages`;
  const trpcProof = await createProof(key, "GET", trpcUrl, accessToken);
  const dpopHeaders = (proof) => ({ authorization: `DPoP ${accessToken}`, dpop: proof });
  await show("trpc", await fetch(trpcUrl, { headers: dpopHeaders(trpcProof) }), true);

  // GraphQL: a POST with a fresh proof.
  const graphqlProof = await createProof(key, "POST", config.graphqlUrl, accessToken);
  const graphqlResponse = await fetch(config.graphqlUrl, {
    method: "POST",
    headers: {
      ...dpopHeaders(graphqlProof),
      "content-type": "application/json",
      accept: "application/graphql-response+json",
    },
    body: JSON.stringify({ query: "{ messages { text } }" }),
  });
  await show("graphql", graphqlResponse, true);

  // Bad 1: the same proof again. The API remembers its jti: 400 invalid_dpop_proof.
  await show("replay", await fetch(trpcUrl, { headers: dpopHeaders(trpcProof) }), false);

  // Bad 2: a DPoP-bound token as a Bearer token, without a proof: 401 invalid_token.
  const bearer = await fetch(trpcUrl, { headers: { authorization: `Bearer ${accessToken}` } });
  await show("bearer", bearer, false);
}

async function main() {
  const config = await (await fetch("/config.json")).json();
  $("token-url").textContent = config.tokenEndpoint;
  $("trpc-url").textContent = `${config.trpcUrl}/messages`;
  $("graphql-url").textContent = config.graphqlUrl;
  const button = $("run");
  const state = $("state");
  button.addEventListener("click", async () => {
    button.disabled = true;
    state.textContent = "running";
    $("error").hidden = true;
    try {
      await run(config);
      state.textContent = "done";
    } catch (error) {
      $("error").hidden = false;
      $("error").textContent = String(error?.stack ?? error);
      state.textContent = "error";
    } finally {
      button.disabled = false;
    }
  });
  button.disabled = false;
  state.textContent = "ready";
}

main().catch((error) => {
  $("error").hidden = false;
  $("error").textContent = String(error?.stack ?? error);
  $("state").textContent = "error";
});
