#!/usr/bin/env bash
# Package quality: publint, arethetypeswrong, and a consumer project that installs the packed
# tarball and imports every subpath as ESM and CJS with types resolving.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

npx publint --strict
npx attw --pack . --profile node16

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -1)
# What the README promises npm users: the LICENSE and every examples/ path it links.
listing=$(tar tzf "$tmp/$tarball")
for f in LICENSE README.md CHANGELOG.md guides/auth0.md guides/production.md examples/trpc/server.ts examples/graphql/server.ts; do
  grep -qx "package/$f" <<<"$listing" || { echo "package-check: $f is not in the tarball"; exit 1; }
done
for f in $(grep -oE '\]\((examples|guides)/[^)#]*' README.md | sed 's/^](//' | sort -u); do
  grep -q "^package/${f%/}" <<<"$listing" || { echo "package-check: README links $f, not in the tarball"; exit 1; }
done
# npm's package page links the repository, the README and the issue tracker from these fields.
node -e '
  const p = require(process.argv[1]);
  const repo = /^git\+https:\/\/github\.com\/([^/]+\/[^/.]+)\.git$/.exec(p.repository?.url ?? "")?.[1];
  if (!repo) throw new Error("package.json: repository.url is not a git+https GitHub URL");
  if (p.homepage !== `https://github.com/${repo}#readme`) throw new Error("package.json: homepage is not the repository README");
  if (p.bugs?.url !== `https://github.com/${repo}/issues`) throw new Error("package.json: bugs.url is not the repository issues");
' "$repo/package.json"
cd "$tmp"
npm init -y >/dev/null
npm pkg set type=module >/dev/null
# Peer dependencies at the versions this repository tests with.
peers=$(node -e '
  const p = require(process.argv[1]);
  const pick = ["@trpc/server", "graphql", "graphql-yoga", "ioredis", "redis", "typescript", "@types/node"];
  console.log(pick.map((n) => `${n}@${(p.devDependencies[n] || "").replace(/^[~^]/, "")}`).join(" "));
' "$OLDPWD/package.json")
npm install --no-audit --no-fund --silent "./$tarball" $peers

cat > esm.mts <<'TS'
import { createAuth, type AuthError } from "scopegate";
import { requireScopes } from "scopegate/trpc";
import { useAuth, authDirectiveTypeDefs } from "scopegate/graphql";
import { createTestIssuer } from "scopegate/testing";
import { createRedisReplayStore } from "scopegate/redis";
const issuer = await createTestIssuer();
const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
const claims = await auth.verify(await issuer.sign({ scope: "read" }));
const sub: string | undefined = claims.sub;
console.log("esm", typeof requireScopes, typeof useAuth, typeof createRedisReplayStore, authDirectiveTypeDefs.length > 0, sub);
await issuer.close();
export type { AuthError };
TS
cat > cjs.cts <<'TS'
import scopegate = require("scopegate");
import trpc = require("scopegate/trpc");
import graphql = require("scopegate/graphql");
import testing = require("scopegate/testing");
import redis = require("scopegate/redis");
const auth: ReturnType<typeof scopegate.createAuth> = scopegate.createAuth({ issuer: "https://idp.example.com/", audience: "a" });
console.log("cjs", typeof auth.verify, typeof trpc.requireScopes, typeof graphql.useAuth, typeof testing.createTestIssuer, typeof redis.createRedisReplayStore);
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022", "strict": true, "noEmit": true, "skipLibCheck": true, "types": ["node"] }, "files": ["esm.mts", "cjs.cts"] }
JSON
npx tsc -p tsconfig.json
npx tsc -p tsconfig.json --noEmit false --outDir out >/dev/null
node out/esm.mjs
node out/cjs.cjs

# A second consumer that has only Apollo Server: the tarball, @apollo/server and graphql (no
# graphql-yoga, no @trpc/server). scopegate/apollo and scopegate/graphql must compile with
# skipLibCheck: false, and the plugin must answer 401 / 200 over HTTP.
mkdir "$tmp/apollo-only"
cd "$tmp/apollo-only"
npm init -y >/dev/null
npm pkg set type=module >/dev/null
peers=$(node -e '
  const p = require(process.argv[1]);
  const pick = ["@apollo/server", "graphql", "typescript", "@types/node"];
  console.log(pick.map((n) => `${n}@${(p.devDependencies[n] || "").replace(/^[~^]/, "")}`).join(" "));
' "$repo/package.json")
npm install --no-audit --no-fund --silent "../$tarball" $peers
for absent in graphql-yoga @envelop/core @trpc/server; do
  if [ -e "node_modules/$absent" ]; then echo "apollo-only consumer: $absent is installed" >&2; exit 1; fi
done
cat > server.mts <<'TS'
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { type AccessTokenClaims, createAuth } from "scopegate";
import { type ApolloAuthPluginOptions, apolloAuthPlugin } from "scopegate/apollo";
import { type AuthPluginContext, authDirectiveTypeDefs, checkOperation } from "scopegate/graphql";
import { createTestIssuer } from "scopegate/testing";

type Context = Partial<AuthPluginContext<AccessTokenClaims>>;
const issuer = await createTestIssuer();
const auth = createAuth({ issuer: issuer.url, audience: issuer.audience, dpop: { mode: "disabled" } });
const options: ApolloAuthPluginOptions = { mode: "reject" };
const server = new ApolloServer<Context>({
  typeDefs: [authDirectiveTypeDefs, "type Query { me: String @auth(scopes: [\"read:me\"]) }"],
  resolvers: {
    Query: { me: async (_: unknown, __: unknown, ctx: Context) => (await ctx.auth?.require())?.sub ?? null },
  },
  plugins: [apolloAuthPlugin(auth, options)],
});
const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
const ask = (authorization?: string) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query: "{ me }" }),
  });
const none = await ask();
const ok = await ask(`Bearer ${await issuer.sign({ sub: "u1", scope: "read:me" })}`);
const body = (await ok.json()) as { data?: { me?: string } };
console.log("apollo", none.status, none.headers.get("www-authenticate"), ok.status, body.data?.me, typeof checkOperation);
if (none.status !== 401 || ok.status !== 200 || body.data?.me !== "u1") process.exitCode = 1;
await server.stop();
await issuer.close();
TS
cat > server.cts <<'TS'
import apollo = require("scopegate/apollo");
import graphql = require("scopegate/graphql");
console.log("apollo cjs", typeof apollo.apolloAuthPlugin, typeof graphql.checkOperation);
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022", "strict": true, "noEmit": true, "skipLibCheck": false, "types": ["node"] }, "files": ["server.mts", "server.cts"] }
JSON
npx tsc -p tsconfig.json
npx tsc -p tsconfig.json --noEmit false --outDir out >/dev/null
node out/server.mjs
node out/server.cjs
echo "package check passed"
