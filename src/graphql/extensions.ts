import {
  type ConstArgumentNode,
  type ConstDirectiveNode,
  type ConstValueNode,
  Kind,
} from "graphql";
import { ConfigurationError } from "scopegate";

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The directives of a code-first schema element, from graphql-tools'
 * `extensions.directives` convention, as AST nodes (so they are validated and read exactly
 * like SDL directives). Accepted forms:
 *
 * - object: `{ directives: { auth: { scopes: ["a"] } } }` (args, or a list of args for a
 *   repeated directive; `{}` or `true` for no arguments);
 * - array (Pothos): `{ directives: [{ name: "auth", args: { scopes: ["a"] } }] }`.
 *
 * Only directives `relevant` names are read. A value of another shape is a
 * `ConfigurationError` naming `coordinate`. Internal.
 */
export function extensionDirectives(
  extensions: unknown,
  coordinate: string,
  relevant: (name: string) => boolean,
): ConstDirectiveNode[] {
  if (!isRecord(extensions)) return [];
  const directives = extensions.directives;
  if (directives === undefined || directives === null) return [];
  const out: ConstDirectiveNode[] = [];
  const bad = (fix: string) =>
    new ConfigurationError("schema", `${coordinate} extensions.directives ${fix}`);
  const add = (name: unknown, args: unknown) => {
    if (typeof name !== "string" || !NAME.test(strip(name))) {
      throw bad(`has an invalid directive name ${JSON.stringify(name)}`);
    }
    if (!relevant(strip(name))) return; // another library's directive: not read
    if (args !== undefined && args !== null && args !== true && !isRecord(args)) {
      throw bad(`@${strip(name)} takes an object of arguments`);
    }
    const entries = isRecord(args) ? Object.entries(args) : [];
    const argumentNodes: ConstArgumentNode[] = entries
      .filter(([, v]) => v !== undefined)
      .map(([key, v]) => ({
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: key },
        value: toValue(v, () =>
          bad(`@${strip(name)}(${key}:) has a value that is not GraphQL input`),
        ),
      }));
    out.push({
      kind: Kind.DIRECTIVE,
      name: { kind: Kind.NAME, value: strip(name) },
      arguments: argumentNodes,
    });
  };
  if (Array.isArray(directives)) {
    for (const d of directives) {
      if (!isRecord(d)) throw bad("must list { name, args } objects");
      add(d.name, d.args);
    }
  } else if (isRecord(directives)) {
    for (const [name, args] of Object.entries(directives)) {
      if (Array.isArray(args)) for (const a of args) add(name, a);
      else add(name, args);
    }
  } else {
    throw bad("must be an object { name: args } or a list of { name, args }");
  }
  return out;
}

const strip = (name: string) => (name.startsWith("@") ? name.slice(1) : name);

function toValue(value: unknown, bad: () => Error, depth = 0): ConstValueNode {
  if (depth > 8) throw bad();
  if (value === null) return { kind: Kind.NULL };
  if (typeof value === "string") return { kind: Kind.STRING, value };
  if (typeof value === "boolean") return { kind: Kind.BOOLEAN, value };
  if (typeof value === "number" && Number.isFinite(value)) {
    return Number.isInteger(value)
      ? { kind: Kind.INT, value: String(value) }
      : { kind: Kind.FLOAT, value: String(value) };
  }
  if (Array.isArray(value)) {
    return { kind: Kind.LIST, values: value.map((v) => toValue(v, bad, depth + 1)) };
  }
  if (isRecord(value)) {
    return {
      kind: Kind.OBJECT,
      fields: Object.entries(value).map(([k, v]) => ({
        kind: Kind.OBJECT_FIELD,
        name: { kind: Kind.NAME, value: k },
        value: toValue(v, bad, depth + 1),
      })),
    };
  }
  throw bad();
}
