/**
 * What `createRedisReplayStore` says when it is given the wrong thing or Redis answers the
 * unexpected: each message in full (mutation testing, issue 18). Structural fakes only, so
 * these run without a Redis server.
 */
import {
  createRedisReplayStore,
  type RedisClientLike,
  type RedisReplayStoreOptions,
} from "scopegate/redis";
import { describe, expect, it } from "vitest";
import { configRefusal } from "../support/config-refusal.js";
import { recorder } from "./fixtures/recorder.js";

const EXPECTED =
  "scopegate: client: expected an ioredis client (`new Redis(url)`, `new Cluster(nodes)`) or a node-redis client (`await createClient({ url }).connect()`, `createCluster`, `createSentinel`), got";
const PASS_IT = " Pass the client itself: createRedisReplayStore(client).";

describe("createRedisReplayStore: what it says", () => {
  it("names what it was given instead of a client", () => {
    class Pool {}
    const anonymous = new (class {})();
    const cases: [unknown, string][] = [
      [null, "null"],
      [undefined, "undefined"],
      [[], "an array"],
      [6379, "number"],
      ["redis://127.0.0.1", "string"],
      [{}, "an object"],
      [Object.create(null), "an object"],
      [anonymous, "an object"],
      [new Pool(), "an object (Pool)"],
      [new Map(), "an object (Map)"],
    ];
    for (const [client, kind] of cases) {
      const error = configRefusal(() => createRedisReplayStore(client as RedisClientLike));
      expect(error.option).toBe("client");
      expect(error.message).toBe(`${EXPECTED} ${kind}.${PASS_IT}`);
    }
  });

  it("refuses a function (every function has a `call`): the factory or class, not a client", () => {
    const createClient = () => ({});
    for (const fn of [createClient, class Redis {}]) {
      const error = configRefusal(() => createRedisReplayStore(fn as unknown as RedisClientLike));
      expect(error.message).toBe(
        `${EXPECTED} function. It is a function: pass the client it makes (\`new Redis(url)\`, \`await createClient().connect()\`).${PASS_IT}`,
      );
    }
  });

  it("says to await a promise of a client, and only then", () => {
    const error = configRefusal(() =>
      createRedisReplayStore(Promise.resolve({}) as unknown as RedisClientLike),
    );
    expect(error.message).toBe(
      `${EXPECTED} an object (Promise). It is a promise: await it first (\`await createClient().connect()\`).${PASS_IT}`,
    );
  });

  it("options must be an object; prefix a string", () => {
    const { io } = recorder("OK");
    for (const options of [null, "my-api:", 42]) {
      const error = configRefusal(() =>
        createRedisReplayStore(io, options as unknown as RedisReplayStoreOptions),
      );
      expect(error).toMatchObject({
        option: "options",
        message: 'scopegate: options: must be an object like { prefix: "my-api:" }',
      });
    }
    const error = configRefusal(() =>
      createRedisReplayStore(io, { prefix: ["a"] as unknown as string }),
    );
    expect(error).toMatchObject({
      option: "prefix",
      message: 'scopegate: prefix: must be a string such as "my-api:", got an array',
    });
  });

  it("a ttl that is not a positive number is named in the RangeError", async () => {
    const store = createRedisReplayStore(recorder("OK").io);
    await expect(store.add("k", -2)).rejects.toThrow(
      new RangeError("scopegate/redis: ttlSeconds must be a positive number, got -2"),
    );
    await expect(store.add("k", "5" as unknown as number)).rejects.toThrow(
      new RangeError("scopegate/redis: ttlSeconds must be a positive number, got 5"),
    );
  });

  it("an unexpected reply is described (a string by its first 40 characters), never the key", async () => {
    const reply = async (value: unknown) => {
      try {
        await createRedisReplayStore(recorder(value).io).add("dpop:secret-key", 1);
      } catch (e) {
        return (e as Error).message;
      }
      return "no rejection";
    };
    const prefix = "scopegate/redis: unexpected reply to SET NX: ";
    expect(await reply("QUEUED")).toBe(`${prefix}string "QUEUED"`);
    expect(await reply("x".repeat(100))).toBe(`${prefix}string "${"x".repeat(40)}"`);
    expect(await reply(1)).toBe(`${prefix}number`);
    expect(await reply([])).toBe(`${prefix}an array`);
    expect(await reply(Buffer.from("NO"))).toBe(`${prefix}an object (Buffer)`);
    expect(await reply(undefined)).toBe(
      `${prefix}undefined (a node-redis v4 client in legacyMode must be passed as client.v4)`,
    );
  });
});
