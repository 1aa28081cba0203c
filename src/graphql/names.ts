import {
  type ConstDirectiveNode,
  type ConstValueNode,
  type GraphQLSchema,
  Kind,
  type SchemaDefinitionNode,
  type SchemaExtensionNode,
} from "graphql";
import type { DirectiveNames } from "./directives.js";

const FEDERATION_URL = /^https?:\/\/specs\.apollo\.dev\/federation\/v2\.\d+\/?$/;
const SPEC = ["authenticated", "requiresScopes", "policy"] as const;
type Spec = (typeof SPEC)[number];

const strip = (name: string) => (name.startsWith("@") ? name.slice(1) : name);
const str = (value: ConstValueNode | undefined): string | undefined =>
  value?.kind === Kind.STRING ? value.value : undefined;
const argOf = (d: ConstDirectiveNode, name: string) =>
  d.arguments?.find((a) => a.name.value === name)?.value;

/**
 * The names scopegate's and Federation's directives have in `schema`: `@auth` (or
 * `directiveName`), and with Federation on, `@authenticated` / `@requiresScopes` /
 * `@policy` plain, namespaced (`federation__…`), and as renamed or namespaced by the
 * schema's `@link(url: "https://specs.apollo.dev/federation/v2.x", as:, import:)`. The
 * defaults stay read next to a rename (fail closed: more is checked, never less). Internal.
 */
export function directiveNames(schema: GraphQLSchema, auth: string, federation: boolean) {
  const names: Record<Spec, Set<string>> = {
    authenticated: new Set(),
    requiresScopes: new Set(),
    policy: new Set(),
  };
  if (federation) {
    for (const spec of SPEC) names[spec].add(spec).add(`federation__${spec}`);
    const nodes: readonly (SchemaDefinitionNode | SchemaExtensionNode | null | undefined)[] = [
      schema.astNode,
      ...schema.extensionASTNodes,
    ];
    for (const node of nodes) {
      for (const link of node?.directives ?? []) {
        const url = str(argOf(link, "url"));
        if (!url || !FEDERATION_URL.test(url)) continue;
        const ns = str(argOf(link, "as"));
        if (ns) for (const spec of SPEC) names[spec].add(`${strip(ns)}__${spec}`);
        const imports = argOf(link, "import");
        const items = imports?.kind === Kind.LIST ? imports.values : imports ? [imports] : [];
        for (const item of items) {
          let name: string | undefined;
          let as: string | undefined;
          if (item.kind === Kind.STRING) name = item.value;
          else if (item.kind === Kind.OBJECT) {
            for (const f of item.fields) {
              if (f.name.value === "name") name = str(f.value);
              if (f.name.value === "as") as = str(f.value);
            }
          }
          const spec = name ? SPEC.find((s) => s === strip(name)) : undefined;
          if (spec) names[spec].add(strip(as ?? spec));
        }
      }
    }
  }
  const out: DirectiveNames = { auth, ...names };
  return out;
}
