/**
 * `scopegate/redis`: a DPoP replay store kept in Redis, so that every server process behind a
 * load balancer refuses a proof that any one of them has already accepted (RFC 9449 §11.1).
 *
 * Works with an ioredis client (`Redis` or `Cluster`) or a node-redis v4/v5 client
 * (`createClient`, `createClientPool`, `createCluster`, `createSentinel`). Neither library is
 * imported here: the client you pass is recognised by its shape.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { createAuth } from "scopegate";
 * import { createRedisReplayStore } from "scopegate/redis";
 *
 * const redis = new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
 * const auth = createAuth({
 *   domain: process.env.AUTH0_DOMAIN,
 *   audience: process.env.AUTH0_AUDIENCE,
 *   dpop: { replayStore: createRedisReplayStore(redis) },
 * });
 * ```
 *
 * @module scopegate/redis
 */
import { ConfigurationError, type ReplayStore } from "scopegate";

/**
 * The part of an ioredis client this store uses: `call(command, ...args)`. Both `Redis` and
 * `Cluster` from `ioredis` (v5) have it.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import type { IoRedisLike } from "scopegate/redis";
 *
 * const client: IoRedisLike = new Redis("redis://127.0.0.1:6379");
 * ```
 */
export interface IoRedisLike {
  /** Sends one command; resolves to its reply. */
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
}

/**
 * The part of a node-redis (`redis` v4/v5) client this store uses:
 * `sendCommand(args)`. A client from `createClient()` and a pool from `createClientPool()`
 * have it. Connect the client (`await client.connect()`) before the first request.
 *
 * @example
 * ```ts
 * import { createClient } from "redis";
 * import type { NodeRedisLike } from "scopegate/redis";
 *
 * const client: NodeRedisLike = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
 * ```
 */
export interface NodeRedisLike {
  /** Sends one command, given as its words; resolves to its reply. */
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * The part of a node-redis cluster (`createCluster()`, v4/v5) this store uses: the command
 * is routed by its key.
 *
 * @example
 * ```ts
 * import { createCluster } from "redis";
 * import type { NodeRedisClusterLike } from "scopegate/redis";
 *
 * const cluster: NodeRedisClusterLike = await createCluster({
 *   rootNodes: [{ url: "redis://10.0.0.1:6379" }],
 * }).connect();
 * ```
 */
export interface NodeRedisClusterLike {
  /** Sends one command to the node that holds `firstKey`; resolves to its reply. */
  sendCommand(firstKey: string, isReadonly: boolean, args: string[]): Promise<unknown>;
  /** Present on node-redis clusters only; how a cluster is told from a plain client. */
  getSlotMaster(slot: number): unknown;
}

/**
 * The part of a node-redis sentinel client (`createSentinel()`, v5) this store uses: the
 * command is sent to the current master.
 *
 * @example
 * ```ts
 * import { createSentinel } from "redis";
 * import type { NodeRedisSentinelLike } from "scopegate/redis";
 *
 * const sentinel: NodeRedisSentinelLike = await createSentinel({
 *   name: "mymaster",
 *   sentinelRootNodes: [{ host: "10.0.0.1", port: 26379 }],
 * }).connect();
 * ```
 */
export interface NodeRedisSentinelLike {
  /** Sends one command (to the master when `isReadonly` is `false`); resolves to its reply. */
  sendCommand(isReadonly: boolean, args: string[]): Promise<unknown>;
  /** Present on node-redis sentinel clients only; how they are told from a plain client. */
  getSentinelNode(): unknown;
}

/**
 * Every client {@link createRedisReplayStore} accepts.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import type { RedisClientLike } from "scopegate/redis";
 *
 * const client: RedisClientLike = new Redis();
 * ```
 */
export type RedisClientLike =
  | IoRedisLike
  | NodeRedisLike
  | NodeRedisClusterLike
  | NodeRedisSentinelLike;

/**
 * Options of {@link createRedisReplayStore}.
 *
 * @example
 * ```ts
 * createRedisReplayStore(redis, { prefix: "api-eu:scopegate:" });
 * ```
 */
export interface RedisReplayStoreOptions {
  /**
   * Prepended to every key the store writes (`<prefix>dpop:<hash>`). Give every process that
   * serves the same API the same prefix; give unrelated APIs sharing one Redis different ones.
   * On Redis Cluster, a `{hash tag}` in the prefix puts every key in one slot (not needed).
   *
   * @default "scopegate:"
   */
  prefix?: string;
}

type Send = (key: string, args: string[]) => Promise<unknown>;

const DEFAULT_PREFIX = "scopegate:";

/**
 * `value[name]` when `value` is an object, else `undefined`. Not for a function: every
 * function has a `call`, so `createRedisReplayStore(createClient)` (the factory, not a
 * client) would pass for ioredis and fail only at the first request.
 */
function member(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value !== "object") return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" && name !== "Object"
    ? `an object (${name})`
    : "an object";
}

/** Picks how to send one command to `client`, from its shape. */
function sender(client: unknown): Send {
  // ioredis first: its clients also have a `sendCommand`, with another meaning.
  if (typeof member(client, "call") === "function") {
    const io = client as IoRedisLike;
    return (_key, [command = "", ...args]) => io.call(command, ...args);
  }
  if (typeof member(client, "sendCommand") === "function") {
    if (typeof member(client, "getSlotMaster") === "function") {
      const cluster = client as NodeRedisClusterLike;
      return (key, args) => cluster.sendCommand(key, false, args);
    }
    if (typeof member(client, "getSentinelNode") === "function") {
      const sentinel = client as NodeRedisSentinelLike;
      return (_key, args) => sentinel.sendCommand(false, args);
    }
    const node = client as NodeRedisLike;
    return (_key, args) => node.sendCommand(args);
  }
  const hint =
    typeof client === "function"
      ? " It is a function: pass the client it makes (`new Redis(url)`, `await createClient().connect()`)."
      : typeof member(client, "then") === "function"
        ? " It is a promise: await it first (`await createClient().connect()`)."
        : "";
  throw new ConfigurationError(
    "client",
    `expected an ioredis client (\`new Redis(url)\`, \`new Cluster(nodes)\`) or a node-redis client (\`await createClient({ url }).connect()\`, \`createCluster\`, \`createSentinel\`), got ${kindOf(client)}.${hint} Pass the client itself: createRedisReplayStore(client).`,
  );
}

function isOk(reply: unknown): boolean {
  if (reply === "OK") return true;
  // A node-redis client with a Buffer type mapping answers bytes.
  return reply instanceof Uint8Array && new TextDecoder().decode(reply) === "OK";
}

/**
 * Creates a DPoP replay store kept in Redis: `add(key, ttl)` runs
 * `SET <prefix><key> 1 NX PX <ttl in ms>`, atomic across every process that shares the
 * Redis, and resolves `true` the first time a proof is seen, `false` on a replay. When Redis
 * cannot be reached the promise rejects, and the request fails closed with a 503
 * `temporarily_unavailable` (`Retry-After: 1`).
 *
 * `client` is an ioredis `Redis` / `Cluster` or a connected node-redis client, pool, cluster
 * or sentinel client; it is recognised by its shape. The store never connects, quits or
 * listens to the client: you own it (add an `error` listener, connect it, close it at
 * shutdown). So that an outage answers 503 at once instead of holding requests while the
 * client queues commands, turn its offline queue off: ioredis
 * `{ enableOfflineQueue: false, maxRetriesPerRequest: 1 }`, node-redis
 * `{ disableOfflineQueue: true }`. A node-redis v4 client in `legacyMode` must be passed as
 * `client.v4`.
 *
 * Throws a `ConfigurationError` (option `client`) when `client` is neither, or `prefix` is
 * not a string.
 *
 * @example
 * ```ts
 * // ioredis
 * import { Redis } from "ioredis";
 * import { createAuth } from "scopegate";
 * import { createRedisReplayStore } from "scopegate/redis";
 *
 * const redis = new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
 * redis.on("error", (err) => console.error("redis", err));
 * const replayStore = createRedisReplayStore(redis);
 * const auth = createAuth({ domain: "tenant.us.auth0.com", audience: "https://api.example.com", dpop: { replayStore } });
 * ```
 *
 * @example
 * ```ts
 * // node-redis
 * import { createClient } from "redis";
 * import { createAuth } from "scopegate";
 * import { createRedisReplayStore } from "scopegate/redis";
 *
 * const redis = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
 * redis.on("error", (err) => console.error("redis", err));
 * await redis.connect();
 * const replayStore = createRedisReplayStore(redis, { prefix: "my-api:" });
 * const auth = createAuth({ domain: "tenant.us.auth0.com", audience: "https://api.example.com", dpop: { replayStore } });
 * ```
 */
export function createRedisReplayStore(
  client: RedisClientLike,
  options: RedisReplayStoreOptions = {},
): ReplayStore {
  const send = sender(client);
  if (typeof options !== "object" || options === null) {
    throw new ConfigurationError("options", 'must be an object like { prefix: "my-api:" }');
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== "string") {
    throw new ConfigurationError(
      "prefix",
      `must be a string such as "my-api:", got ${kindOf(prefix)}`,
    );
  }
  return {
    async add(key, ttlSeconds) {
      if (typeof ttlSeconds !== "number" || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
        throw new RangeError(
          `scopegate/redis: ttlSeconds must be a positive number, got ${String(ttlSeconds)}`,
        );
      }
      const redisKey = `${prefix}${key}`;
      const ms = String(Math.max(1, Math.ceil(ttlSeconds * 1000)));
      const reply = await send(redisKey, ["SET", redisKey, "1", "PX", ms, "NX"]);
      if (isOk(reply)) return true;
      if (reply === null) return false;
      const legacy =
        reply === undefined
          ? " (a node-redis v4 client in legacyMode must be passed as client.v4)"
          : "";
      throw new Error(
        `scopegate/redis: unexpected reply to SET NX: ${kindOf(reply)}${typeof reply === "string" ? ` "${reply.slice(0, 40)}"` : ""}${legacy}`,
      );
    },
  };
}
