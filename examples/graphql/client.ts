/**
 * A plain-fetch client for the GraphQL example: one line per call, showing the status, the
 * data or error codes, and the challenge.
 */

/** Tokens the client uses; mint them with `exampleTokenClaims` from `./schema.js`. */
export interface GraphqlClientTokens {
  /** A valid token without scopes or permissions. */
  basic: string;
  /** A token with every scope and permission of the example. */
  reader: string;
}

interface Call {
  label: string;
  query: string;
  authorization?: string;
}

interface Body {
  data?: unknown;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

/**
 * Calls the example API at `url` and returns (and prints) one line per call: public → 200,
 * no token → 401, missing scope → 403, malformed header → 400, token → 200, a mutation pair
 * whose protected field is denied (nothing runs), and a permission check.
 *
 * @example
 * ```ts
 * const lines = await runGraphqlClient(url, { basic, reader });
 * ```
 */
export async function runGraphqlClient(
  url: string,
  tokens: GraphqlClientTokens,
): Promise<string[]> {
  const bearer = (token: string) => `Bearer ${token}`;
  const calls: Call[] = [
    { label: "public, no token", query: "{ hello }" },
    { label: "me, no token", query: "{ me { sub } }" },
    { label: "me, malformed Authorization", query: "{ me { sub } }", authorization: "Bearer" },
    {
      label: "messages, token without scopes",
      query: "{ me { sub } messages { text } }",
      authorization: bearer(tokens.basic),
    },
    {
      label: "messages, reader token",
      query: "{ me { sub } messages { text } }",
      authorization: bearer(tokens.reader),
    },
    {
      label: "like + postMessage, token without scopes",
      query: 'mutation { like postMessage(text: "hi") { id } }',
      authorization: bearer(tokens.basic),
    },
    {
      label: "report (anyOf), reader token",
      query: "{ report { messages likes } }",
      authorization: bearer(tokens.reader),
    },
    {
      label: "users (permission), token without it",
      query: "{ users { email } }",
      authorization: bearer(tokens.basic),
    },
    {
      label: "feed through an interface, no read:drafts",
      query: "{ feed { title } }",
      authorization: bearer(tokens.basic),
    },
    {
      label: "feed, reader token",
      query: "{ feed { __typename title } }",
      authorization: bearer(tokens.reader),
    },
  ];
  const lines: string[] = [];
  for (const call of calls) {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/graphql-response+json",
    };
    if (call.authorization) headers.authorization = call.authorization;
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ query: call.query }),
    });
    const body = (await response.json()) as Body;
    const challenge = response.headers.get("www-authenticate");
    const errors = (body.errors ?? []).map(
      (e) => `${e.extensions?.code ?? "ERROR"}@${(e.path ?? []).join(".") || "-"}`,
    );
    const parts = [
      `${call.label.padEnd(42)} → ${response.status}`,
      "data" in body ? `data ${JSON.stringify(body.data)}` : "no data",
      errors.length > 0 ? `errors ${errors.join(", ")}` : "",
      challenge ? `WWW-Authenticate: ${challenge}` : "",
    ];
    const line = parts.filter(Boolean).join("  ");
    lines.push(line);
    console.log(line);
  }
  return lines;
}
