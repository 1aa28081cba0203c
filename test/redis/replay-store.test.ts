/**
 * `scopegate/redis` against a real `redis-server` (started here on a loopback port), with both
 * ioredis and node-redis; then the core end to end: two `createAuth` instances, and two real
 * server processes, sharing one Redis.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Cluster, Redis } from "ioredis";
import { createClient, createCluster, createSentinel } from "redis";
import { type AuthError, ConfigurationError, createAuth, type ReplayStore } from "scopegate";
import {
  createRedisReplayStore,
  type IoRedisLike,
  type NodeRedisClusterLike,
  type NodeRedisLike,
  type NodeRedisSentinelLike,
  type RedisClientLike,
} from "scopegate/redis";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { recorder } from "./fixtures/recorder.js";
import {
  freePort,
  type RedisServer,
  startRedisServer,
  stopAllRedisServers,
} from "./redis-server.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const uid = () => randomUUID();

/** Waits until `check()` holds, or fails after `ms`. */
async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

// Unhandled rejections anywhere in this file fail the "unreachable" tests explicitly.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

let redis: RedisServer;
/** A raw ioredis connection to inspect keys. */
let admin: Redis;
/** Everything to close in afterAll, newest first. */
const cleanups: Array<() => Promise<unknown> | unknown> = [];

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await Promise.allSettled([clusterStarting, processesStarting]);
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // keep cleaning up
    }
  }
  await stopAllRedisServers();
});

interface Kind {
  name: "ioredis" | "node-redis";
  /** A connected client with the offline queue off (what the docs recommend). */
  connect(port: number): Promise<RedisClientLike>;
  /** A client pointed at `port` where nothing listens, retries and offline queue off. */
  unreachable(port: number): Promise<RedisClientLike>;
  /** Whether a connected client has noticed that its server went away. */
  isDown(client: RedisClientLike): boolean;
}

const ioredis: Kind = {
  name: "ioredis",
  async connect(port) {
    const client = new Redis(port, "127.0.0.1", {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    client.on("error", () => {});
    cleanups.push(() => client.disconnect());
    await new Promise<void>((resolve, reject) => {
      client.once("ready", resolve);
      client.once("error", reject);
    });
    return client;
  },
  async unreachable(port) {
    const client = new Redis(port, "127.0.0.1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    cleanups.push(() => client.disconnect());
    return client;
  },
  isDown: (client) => (client as Redis).status !== "ready",
};

const nodeRedis: Kind = {
  name: "node-redis",
  async connect(port) {
    const client = createClient({ socket: { host: "127.0.0.1", port }, disableOfflineQueue: true });
    client.on("error", () => {});
    cleanups.push(() => client.destroy());
    await client.connect();
    return client;
  },
  async unreachable(port) {
    const client = createClient({
      socket: { host: "127.0.0.1", port, reconnectStrategy: false },
      disableOfflineQueue: true,
    });
    client.on("error", () => {});
    cleanups.push(() => client.destroy());
    await expect(client.connect()).rejects.toThrow();
    return client;
  },
  isDown: (client) => !(client as ReturnType<typeof createClient>).isReady,
};

/** Lets slow set-ups run while other tests do; a failure surfaces where it is awaited. */
function background<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** A one-node Redis Cluster that owns every slot (it takes ~2 s to report `ok`). */
async function startOneNodeCluster(): Promise<RedisServer> {
  const node = await startRedisServer({
    args: ["--cluster-enabled", "yes", "--cluster-announce-ip", "127.0.0.1"],
  });
  cleanups.push(() => node.stop());
  const setup = new Redis(node.port, "127.0.0.1");
  cleanups.push(() => setup.disconnect());
  await setup.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
  const deadline = Date.now() + 10_000;
  while (!String(await setup.call("CLUSTER", "INFO")).includes("cluster_state:ok")) {
    if (Date.now() > deadline) throw new Error("one-node cluster did not become ok");
    await sleep(50);
  }
  return node;
}

const API = "https://api.example.test";

/** One API server process (test/redis/fixtures/dpop-server.ts). */
interface Fixture {
  url: string;
  child: ChildProcess;
}

function startFixture(issuer: TestIssuer, client: Kind["name"], redisUrl: string) {
  const fixture = fileURLToPath(new URL("./fixtures/dpop-server.ts", import.meta.url));
  const root = fileURLToPath(new URL("../../", import.meta.url));
  return new Promise<Fixture>((resolve, reject) => {
    const preload = fileURLToPath(new URL("./fixtures/exit-with-parent.cjs", import.meta.url));
    const child = spawn(process.execPath, ["--require", preload, "--import", "tsx", fixture], {
      cwd: root,
      env: {
        ...process.env,
        ISSUER: issuer.url,
        AUDIENCE: issuer.audience,
        PUBLIC_URL: API,
        REDIS_URL: redisUrl,
        REDIS_CLIENT: client,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Killed in afterAll and at exit; if this process dies harder, the preload sees it.
    const kill = () => child.kill("SIGKILL");
    cleanups.push(kill);
    process.once("exit", kill);
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`fixture did not start:\n${err}`)), 40_000);
    child.stderr?.on("data", (c: Buffer) => {
      err += c.toString("utf8");
    });
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString("utf8");
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) {
        clearTimeout(timer);
        const { port } = JSON.parse(line) as { port: number };
        resolve({ url: `http://127.0.0.1:${port}/r`, child });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture exited with ${code}:\n${err}`));
    });
  });
}

/** A test issuer, a Redis, and two API server processes (ioredis and node-redis) using it. */
async function startTwoProcesses() {
  const issuer = await createTestIssuer();
  cleanups.push(() => issuer.close());
  const shared = await startRedisServer();
  cleanups.push(() => shared.stop());
  const [a, b] = await Promise.all([
    startFixture(issuer, "ioredis", shared.url),
    startFixture(issuer, "node-redis", shared.url),
  ]);
  return { issuer, shared, servers: { a, b } };
}

let clusterStarting: Promise<RedisServer>;
let processesStarting: ReturnType<typeof startTwoProcesses>;

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  redis = await startRedisServer(); // fails with a clear message when redis-server is missing
  admin = new Redis(redis.port, "127.0.0.1");
  cleanups.push(() => admin.disconnect());
  // Slow set-ups (a cluster's first `ok`, two tsx processes) start now and overlap the tests.
  clusterStarting = background(startOneNodeCluster());
  processesStarting = background(startTwoProcesses());
});

describe.each([ioredis, nodeRedis])("createRedisReplayStore with $name", (kind) => {
  let client: RedisClientLike;
  let store: ReplayStore;
  beforeAll(async () => {
    client = await kind.connect(redis.port);
    store = createRedisReplayStore(client);
  });

  it("answers true on first use and false on a replay", async () => {
    const key = `dpop:${uid()}`;
    expect(await store.add(key, 60)).toBe(true);
    expect(await store.add(key, 60)).toBe(false);
    expect(await store.add(key, 60)).toBe(false);
    expect(await store.add(`dpop:${uid()}`, 60)).toBe(true);
  });

  it('writes `SET <"scopegate:"><key> 1 NX PX <ttl ms>`', async () => {
    const key = `dpop:${uid()}`;
    await store.add(key, 330);
    expect(await admin.get(`scopegate:${key}`)).toBe("1");
    const pttl = await admin.pttl(`scopegate:${key}`);
    expect(pttl).toBeGreaterThan(329_000);
    expect(pttl).toBeLessThanOrEqual(330_000);
    expect(await admin.exists(key)).toBe(0);
  });

  it("forgets a key when its ttl runs out", async () => {
    const key = `dpop:${uid()}`;
    expect(await store.add(key, 1)).toBe(true);
    expect(await store.add(key, 1)).toBe(false);
    expect(await admin.pttl(`scopegate:${key}`)).toBeLessThanOrEqual(1_000);
    await sleep(1_100);
    expect(await store.add(key, 1)).toBe(true);
    expect(await store.add(key, 1)).toBe(false);
  });

  it("keeps stores with different prefixes apart", async () => {
    const key = `dpop:${uid()}`;
    const a = createRedisReplayStore(client, { prefix: "api-a:" });
    const b = createRedisReplayStore(client, { prefix: "api-b:" });
    const bare = createRedisReplayStore(client, { prefix: "" });
    expect(await a.add(key, 60)).toBe(true);
    expect(await b.add(key, 60)).toBe(true);
    expect(await store.add(key, 60)).toBe(true);
    expect(await bare.add(key, 60)).toBe(true);
    expect(await a.add(key, 60)).toBe(false);
    expect(await b.add(key, 60)).toBe(false);
    expect(await bare.add(key, 60)).toBe(false);
    expect(await admin.exists(`api-a:${key}`, `api-b:${key}`, `scopegate:${key}`, key)).toBe(4);
    // Same prefix, another store object (another process): shared.
    expect(await createRedisReplayStore(client, { prefix: "api-a:" }).add(key, 60)).toBe(false);
  });

  it("lets exactly one of 50 concurrent adds of one key win", async () => {
    const key = `dpop:${uid()}`;
    const results = await Promise.all(Array.from({ length: 50 }, () => store.add(key, 60)));
    expect(results.filter((r) => r === true)).toHaveLength(1);
    expect(results.filter((r) => r === false)).toHaveLength(49);
  });

  it("lets exactly one win over 5 connections × 10 concurrent adds", async () => {
    const stores = await Promise.all(
      Array.from({ length: 5 }, async () => createRedisReplayStore(await kind.connect(redis.port))),
    );
    for (let round = 0; round < 5; round++) {
      const key = `dpop:${uid()}`;
      const results = await Promise.all(
        stores.flatMap((s) => Array.from({ length: 10 }, () => s.add(key, 60))),
      );
      expect(results.filter((r) => r === true)).toHaveLength(1);
    }
  });

  it("rejects when nothing listens on the port (no unhandled rejection)", async () => {
    const port = await freePort();
    const dead = createRedisReplayStore(await kind.unreachable(port));
    await expect(dead.add(`dpop:${uid()}`, 60)).rejects.toThrow();
    await expect(dead.add(`dpop:${uid()}`, 60)).rejects.toThrow();
    await sleep(50);
    expect(unhandled).toEqual([]);
  });

  it("rejects once its server has stopped (no unhandled rejection)", async () => {
    const doomed = await startRedisServer();
    cleanups.push(() => doomed.stop());
    const c = await kind.connect(doomed.port);
    const s = createRedisReplayStore(c);
    expect(await s.add("dpop:x", 60)).toBe(true);
    await doomed.stop();
    await until(() => kind.isDown(c));
    await expect(s.add("dpop:y", 60)).rejects.toThrow();
    await sleep(50);
    expect(unhandled).toEqual([]);
  });
});

describe("ioredis and node-redis share one key space", () => {
  it("a proof seen through one client library is a replay through the other", async () => {
    const io = createRedisReplayStore(await ioredis.connect(redis.port));
    const node = createRedisReplayStore(await nodeRedis.connect(redis.port));
    const key = `dpop:${uid()}`;
    expect(await io.add(key, 60)).toBe(true);
    expect(await node.add(key, 60)).toBe(false);
    const key2 = `dpop:${uid()}`;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? io : node).add(key2, 60)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

describe("Redis Cluster and Sentinel clients", () => {
  let clusterNode: RedisServer;
  beforeAll(async () => {
    clusterNode = await clusterStarting;
  });

  it("works with an ioredis Cluster", async () => {
    const cluster = new Cluster([{ host: "127.0.0.1", port: clusterNode.port }], {
      enableOfflineQueue: true,
    });
    cluster.on("error", () => {});
    cleanups.push(() => cluster.disconnect());
    const store = createRedisReplayStore(cluster);
    const keys = Array.from({ length: 20 }, () => `dpop:${uid()}`);
    expect(await Promise.all(keys.map((k) => store.add(k, 60)))).toEqual(keys.map(() => true));
    expect(await Promise.all(keys.map((k) => store.add(k, 60)))).toEqual(keys.map(() => false));
  });

  it("works with a node-redis cluster (routed by key)", async () => {
    const cluster = createCluster({ rootNodes: [{ url: clusterNode.url }] });
    cluster.on("error", () => {});
    cleanups.push(() => cluster.destroy());
    await cluster.connect();
    const store = createRedisReplayStore(cluster);
    const keys = Array.from({ length: 20 }, () => `dpop:${uid()}`);
    expect(await Promise.all(keys.map((k) => store.add(k, 60)))).toEqual(keys.map(() => true));
    expect(await Promise.all(keys.map((k) => store.add(k, 60)))).toEqual(keys.map(() => false));
    const probe = new Redis(clusterNode.port, "127.0.0.1");
    cleanups.push(() => probe.disconnect());
    expect(await probe.get(`scopegate:${keys[0]}`)).toBe("1");
  });

  it("works with a node-redis sentinel client (writes go to the master)", async () => {
    const sentinel = await startRedisServer({
      sentinelConfig: `sentinel monitor scopegate 127.0.0.1 ${redis.port} 1\n`,
    });
    cleanups.push(() => sentinel.stop());
    const client = createSentinel({
      name: "scopegate",
      sentinelRootNodes: [{ host: "127.0.0.1", port: sentinel.port }],
    });
    client.on("error", () => {});
    cleanups.push(() => client.destroy());
    await client.connect();
    const store = createRedisReplayStore(client);
    const key = `dpop:${uid()}`;
    expect(await store.add(key, 60)).toBe(true);
    expect(await store.add(key, 60)).toBe(false);
    expect(await admin.get(`scopegate:${key}`)).toBe("1");
  });
});

describe("client detection and replies (structural fakes)", () => {
  it("sends SET key 1 PX ms NX in the shape each client expects", async () => {
    const r = recorder("OK");
    await createRedisReplayStore(r.io).add("k", 2);
    await createRedisReplayStore(r.node, { prefix: "p:" }).add("k", 1.5);
    await createRedisReplayStore(r.cluster).add("k", 0.0001);
    await createRedisReplayStore(r.sentinel).add("k", 330);
    expect(r.calls).toEqual([
      ["SET", "scopegate:k", "1", "PX", "2000", "NX"],
      ["SET", "p:k", "1", "PX", "1500", "NX"],
      ["scopegate:k", false, ["SET", "scopegate:k", "1", "PX", "1", "NX"]],
      [false, ["SET", "scopegate:k", "1", "PX", "330000", "NX"]],
    ]);
  });

  it("prefers ioredis's call() when a client has both call() and sendCommand()", async () => {
    const r = recorder("OK");
    const both = { call: r.io.call, sendCommand: () => Promise.reject(new Error("wrong path")) };
    expect(await createRedisReplayStore(both).add("k", 1)).toBe(true);
    expect(r.calls).toHaveLength(1);
  });

  it('maps "OK" (string or bytes) to true, null to false, anything else to a rejection', async () => {
    expect(await createRedisReplayStore(recorder("OK").node).add("k", 1)).toBe(true);
    const bytes = new TextEncoder().encode("OK");
    expect(await createRedisReplayStore(recorder(bytes).node).add("k", 1)).toBe(true);
    expect(await createRedisReplayStore(recorder(Buffer.from("OK")).io).add("k", 1)).toBe(true);
    expect(await createRedisReplayStore(recorder(null).io).add("k", 1)).toBe(false);
    for (const reply of ["QUEUED", "ok", 1, 0, true, [], {}, Buffer.from("NO")]) {
      await expect(createRedisReplayStore(recorder(reply).io).add("k", 1)).rejects.toThrow(
        /unexpected reply to SET NX/,
      );
    }
    await expect(createRedisReplayStore(recorder(undefined).node).add("k", 1)).rejects.toThrow(
      /legacyMode must be passed as client\.v4/,
    );
  });

  it("rejects (does not throw synchronously) when the client throws or rejects", async () => {
    const throwing = {
      sendCommand: (): Promise<unknown> => {
        throw new Error("The client is closed");
      },
    };
    const rejecting = { call: () => Promise.reject(new Error("Connection is closed.")) };
    const p1 = createRedisReplayStore(throwing).add("k", 1);
    const p2 = createRedisReplayStore(rejecting).add("k", 1);
    await expect(p1).rejects.toThrow("The client is closed");
    await expect(p2).rejects.toThrow("Connection is closed.");
  });

  it("rejects a ttl that is not a positive number without calling Redis", async () => {
    const r = recorder("OK");
    const store = createRedisReplayStore(r.io);
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(store.add("k", ttl)).rejects.toThrow(RangeError);
    }
    expect(r.calls).toEqual([]);
  });

  it("throws a ConfigurationError naming `client` for anything else", () => {
    const bad: unknown[] = [undefined, null, {}, "redis://localhost", 6379, { get: () => null }];
    for (const client of bad) {
      let error: unknown;
      try {
        createRedisReplayStore(client as RedisClientLike);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).option).toBe("client");
      expect((error as Error).message).toMatch(/^scopegate: client: expected an ioredis client/);
      expect((error as Error).message).toContain("createRedisReplayStore(client)");
    }
  });

  it("says to await a promise of a client", () => {
    const pending = Promise.resolve({});
    expect(() => createRedisReplayStore(pending as unknown as RedisClientLike)).toThrow(
      /It is a promise: await it first/,
    );
  });

  it("throws a ConfigurationError naming `prefix` for a non-string prefix", () => {
    const r = recorder("OK");
    expect(() => createRedisReplayStore(r.io, { prefix: 42 as unknown as string })).toThrow(
      ConfigurationError,
    );
    expect(() => createRedisReplayStore(r.io, { prefix: 42 as unknown as string })).toThrow(
      /^scopegate: prefix: must be a string/,
    );
  });

  it("accepts the real client types at compile time", () => {
    expectTypeOf<Redis>().toExtend<RedisClientLike>();
    expectTypeOf<Cluster>().toExtend<RedisClientLike>();
    expectTypeOf<Redis>().toExtend<IoRedisLike>();
    expectTypeOf<ReturnType<typeof createClient>>().toExtend<NodeRedisLike>();
    expectTypeOf<ReturnType<typeof createCluster>>().toExtend<NodeRedisClusterLike>();
    expectTypeOf<ReturnType<typeof createSentinel>>().toExtend<NodeRedisSentinelLike>();
    expectTypeOf<Promise<Redis>>().not.toExtend<RedisClientLike>();
    expectTypeOf(createRedisReplayStore).returns.toEqualTypeOf<ReplayStore>();
  });
});

// ---------------------------------------------------------------------------------------------
// End to end through the core.

describe("two createAuth instances (one process) sharing one Redis", () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    cleanups.push(() => issuer.close());
  });

  function authWith(replayStore?: ReplayStore) {
    return createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      dpop: replayStore ? { replayStore } : {},
    });
  }

  async function attempt(auth: ReturnType<typeof authWith>, token: string, proof: string) {
    return auth
      .createAuthContext({
        method: "GET",
        url: `${API}/r`,
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      })
      .auth.require()
      .then(
        (claims) => ({ ok: true as const, claims }),
        (error: AuthError) => ({ ok: false as const, error }),
      );
  }

  async function boundToken() {
    const key = await issuer.dpopKey();
    const token = await issuer.sign({ sub: "auth0|alice" }, { dpopJkt: key.thumbprint });
    const proof = () =>
      issuer.dpopProof({ key, method: "GET", url: `${API}/r`, accessToken: token });
    return { token, proof };
  }

  it("a proof accepted by instance A is a 400 invalid_dpop_proof on instance B", async () => {
    const a = authWith(createRedisReplayStore(await ioredis.connect(redis.port)));
    const b = authWith(createRedisReplayStore(await nodeRedis.connect(redis.port)));
    const { token, proof } = await boundToken();
    const p1 = await proof();
    const first = await attempt(a, token, p1);
    expect(first).toMatchObject({ ok: true, claims: { sub: "auth0|alice" } });
    const replay = await attempt(b, token, p1);
    expect(replay.ok).toBe(false);
    if (replay.ok) return;
    expect(replay.error.status).toBe(400);
    expect(replay.error.code).toBe("invalid_dpop_proof");
    expect(replay.error.headers["WWW-Authenticate"]).toMatch(
      /DPoP .*error="invalid_dpop_proof", error_description="DPoP proof was already used"/,
    );
    expect((await attempt(a, token, p1)).ok).toBe(false);
    // A fresh proof is fine on either instance.
    expect((await attempt(b, token, await proof())).ok).toBe(true);
    expect((await attempt(a, token, await proof())).ok).toBe(true);
  });

  it("control: with the default in-memory store each instance accepts the same proof", async () => {
    const { token, proof } = await boundToken();
    const p1 = await proof();
    expect((await attempt(authWith(), token, p1)).ok).toBe(true);
    expect((await attempt(authWith(), token, p1)).ok).toBe(true);
  });

  it("a proof raced to both instances at once is accepted exactly once", async () => {
    const a = authWith(createRedisReplayStore(await ioredis.connect(redis.port)));
    const b = authWith(createRedisReplayStore(await nodeRedis.connect(redis.port)));
    const { token, proof } = await boundToken();
    const p1 = await proof();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => attempt(i % 2 ? a : b, token, p1)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(r.error.code).toBe("invalid_dpop_proof");
  });

  it.each([ioredis, nodeRedis])(
    "a Redis outage is a 503 temporarily_unavailable ($name)",
    async (kind) => {
      const doomed = await startRedisServer();
      cleanups.push(() => doomed.stop());
      const client = await kind.connect(doomed.port);
      const auth = authWith(createRedisReplayStore(client));
      const { token, proof } = await boundToken();
      expect((await attempt(auth, token, await proof())).ok).toBe(true);
      await doomed.stop();
      await until(() => kind.isDown(client));
      const down = await attempt(auth, token, await proof());
      expect(down.ok).toBe(false);
      if (down.ok) return;
      expect(down.error.status).toBe(503);
      expect(down.error.code).toBe("temporarily_unavailable");
      expect(down.error.headers["Retry-After"]).toBe("1");
      expect(down.error.toJSON()).toEqual({
        error: "temporarily_unavailable",
        error_description: "the DPoP replay store is temporarily unavailable",
      });
      await sleep(50);
      expect(unhandled).toEqual([]);
    },
  );

  it("a stalled Redis (SIGSTOP) is a 503 within the 1 s replay-store deadline with ioredis defaults, and recovers after SIGCONT", async () => {
    const stalled = await startRedisServer();
    cleanups.push(() => stalled.stop());
    // ioredis with its defaults: offline queue on, 20 retries per request, no command timeout.
    const client = new Redis(stalled.port, "127.0.0.1");
    client.on("error", () => {});
    cleanups.push(() => client.disconnect());
    const info = await client.info("server");
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    expect(pid).toBeGreaterThan(0);
    const auth = authWith(createRedisReplayStore(client));
    const { token, proof } = await boundToken();
    expect((await attempt(auth, token, await proof())).ok).toBe(true);

    process.kill(pid, "SIGSTOP");
    try {
      const started = Date.now();
      const down = await attempt(auth, token, await proof());
      const ms = Date.now() - started;
      expect(down.ok).toBe(false);
      if (!down.ok) {
        expect(down.error).toMatchObject({ status: 503, code: "temporarily_unavailable" });
        expect(down.error.headers["Retry-After"]).toBe("1");
      }
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(10_000); // the 1 s deadline, not the 40 s stall (10x slack for a loaded machine)
    } finally {
      process.kill(pid, "SIGCONT");
    }
    // Back: the next fresh proof passes (ioredis answers the queued commands first).
    let back = await attempt(auth, token, await proof());
    for (let i = 0; i < 20 && !back.ok; i++) {
      await sleep(100);
      back = await attempt(auth, token, await proof());
    }
    expect(back.ok).toBe(true);
    await sleep(50);
    expect(unhandled).toEqual([]);
  });
});

describe("two server processes sharing one Redis", () => {
  let issuer: TestIssuer;
  let shared: RedisServer;
  let servers: Record<"a" | "b", Fixture>;
  async function call(server: "a" | "b", token: string, proof: string) {
    const response = await fetch(servers[server].url, {
      headers: { authorization: `DPoP ${token}`, dpop: proof },
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      challenge: response.headers.get("www-authenticate"),
      retryAfter: response.headers.get("retry-after"),
    };
  }

  beforeAll(async () => {
    ({ issuer, shared, servers } = await processesStarting);
  }, 45_000); // two tsx start-ups; slow on a busy CI machine

  afterEach(() => {
    expect(servers.a.child.exitCode).toBeNull();
    expect(servers.b.child.exitCode).toBeNull();
  });

  async function bound() {
    const key = await issuer.dpopKey();
    const token = await issuer.sign({ sub: "auth0|bob" }, { dpopJkt: key.thumbprint });
    const proof = () =>
      issuer.dpopProof({ key, method: "GET", url: `${API}/r`, accessToken: token });
    return { token, proof };
  }

  it("runs as two distinct processes", async () => {
    const { token, proof } = await bound();
    const ra = await call("a", token, await proof());
    const rb = await call("b", token, await proof());
    expect(ra.status).toBe(200);
    expect(rb.status).toBe(200);
    expect(ra.body.pid).toBe(servers.a.child.pid);
    expect(rb.body.pid).toBe(servers.b.child.pid);
    expect(ra.body.pid).not.toBe(process.pid);
  });

  it("a proof accepted by process A (ioredis) is refused by process B (node-redis), and back", async () => {
    const { token, proof } = await bound();
    const p1 = await proof();
    expect((await call("a", token, p1)).status).toBe(200);
    const replay = await call("b", token, p1);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({
      error: "invalid_dpop_proof",
      error_description: "DPoP proof was already used",
    });
    expect(replay.challenge).toMatch(/DPoP .*error="invalid_dpop_proof"/);

    const p2 = await proof();
    expect((await call("b", token, p2)).status).toBe(200);
    expect((await call("a", token, p2)).status).toBe(400);
  });

  it("a proof raced to both processes is accepted exactly once", async () => {
    const { token, proof } = await bound();
    const p1 = await proof();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(i % 2 ? "a" : "b", token, p1)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(19);
  });

  it("a Redis outage is a 503 on both processes, and they recover when it is back", async () => {
    const { token, proof } = await bound();
    const port = shared.port;
    await shared.stop();
    for (const server of ["a", "b"] as const) {
      let r = await call(server, token, await proof());
      // The first request may race the client noticing the closed socket; it still fails.
      const deadline = Date.now() + 5_000;
      while (r.status !== 503 && Date.now() < deadline) {
        await sleep(50);
        r = await call(server, token, await proof());
      }
      expect(r.status).toBe(503);
      expect(r.body.error).toBe("temporarily_unavailable");
      expect(r.retryAfter).toBe("1");
    }
    // Redis comes back on the same port: both processes reconnect by themselves.
    shared = await startRedisServer({ port });
    for (const server of ["a", "b"] as const) {
      const deadline = Date.now() + 10_000;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = (await call(server, token, await proof())).status;
        if (status !== 200) await sleep(100);
      }
      expect(status).toBe(200);
    }
    const p = await proof();
    expect((await call("a", token, p)).status).toBe(200);
    expect((await call("b", token, p)).status).toBe(400);
  }, 30_000);
});
