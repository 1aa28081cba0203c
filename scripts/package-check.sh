#!/usr/bin/env bash
# Package quality: publint, arethetypeswrong, and a consumer project that installs the packed
# tarball and imports every subpath as ESM and CJS with types resolving.
set -euo pipefail
cd "$(dirname "$0")/.."

npx publint --strict
npx attw --pack . --profile node16

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -1)
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
echo "package check passed"
