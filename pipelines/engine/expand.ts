// Expansion: a pipeline definition plus `--set` overrides and sweeps becomes the concrete list of node
// instances, in topological order, each with validated params and the instance ids of its inputs.
// A sweep over `node.param` fans out that node and everything downstream of it, except across a fan-in wire.
import { UserError } from './errors.ts';
import { canonicalJson } from './fingerprint.ts';
import { inputNames, inputNeeds, unmetNeeds } from './outputs.ts';
import { resolveParams } from './params.ts';
import { wireSource, type PipelineDef, type Profile } from './pipeline.ts';
import type { StageDef } from './stage.ts';

export interface Instance {
  /** Unique id: the node name, plus its sweep assignment when swept, e.g. `train[batchSize=64]`. */
  id: string;
  node: string;
  stage: StageDef<any, any>;
  /** Validated params after defaults and overrides. */
  params: Record<string, unknown>;
  /** Sweep key → value for the sweeps this instance is downstream of. */
  assignment: Record<string, unknown>;
  /** Input name → upstream instance id (or ids, for a fan-in input). */
  inputs: Record<string, string | string[]>;
}

export interface Expansion {
  instances: Instance[];
  /** Node names in topological order (ties broken by definition order). */
  order: string[];
  /** Instance ids of each node. */
  byNode: Map<string, Instance[]>;
}

export interface ExpandOptions {
  /** A profile of the definition; its `defaultProfile` when omitted. */
  profile?: string;
  /** `node → param → value` from `--set`. */
  overrides?: Record<string, Record<string, unknown>>;
  /** `node.param → values` from `--sweep`; replaces a default sweep of the same key. */
  sweeps?: Record<string, readonly unknown[]>;
}

/** The profile `expand` uses for these options: the named one, else the definition's default, else none. */
export function selectedProfile(
  def: PipelineDef,
  options: ExpandOptions = {},
): { name: string; profile: Profile } | null {
  const name = options.profile ?? def.defaultProfile;
  if (name === undefined) return null;
  const profile = def.profiles?.[name];
  if (!profile) {
    const known = Object.keys(def.profiles ?? {});
    throw new UserError(
      `--profile ${name}: pipeline "${def.name}" has ${known.length ? `profiles ${known.join(', ')}` : 'no profiles'}`,
    );
  }
  return { name, profile };
}

export function expand(def: PipelineDef, options: ExpandOptions = {}): Expansion {
  const order = topologicalOrder(def);
  const profile = selectedProfile(def, options)?.profile;
  // What the user names on the command line wins: a --set or --sweep of a param takes every sweep of the
  // definition or profile that sets it out (a zipped one entirely), instead of being silently swept over.
  const userParams = new Set([
    ...Object.entries(options.overrides ?? {}).flatMap(([node, values]) =>
      Object.keys(values).map((param) => `${node}.${param}`),
    ),
    ...Object.keys(options.sweeps ?? {}).flatMap((k) => sweepTargets(k).map((t) => `${t.node}.${t.param}`)),
  ]);
  const inherited = Object.entries({ ...(def.sweeps ?? {}), ...(profile?.sweeps ?? {}) }).filter(
    ([key]) => !sweepTargets(key).some((t) => userParams.has(`${t.node}.${t.param}`)),
  );
  const sweeps = { ...Object.fromEntries(inherited), ...(options.sweeps ?? {}) };
  const overrides: Record<string, Record<string, unknown>> = {};
  for (const layer of [profile?.params ?? {}, options.overrides ?? {}]) {
    for (const [node, values] of Object.entries(layer)) overrides[node] = { ...(overrides[node] ?? {}), ...values };
  }
  checkKeys(def, overrides, sweeps);

  // Which sweep keys each node fans out over: its own plus those inherited through plain (non-fan-in) wires.
  const sweepKeys = Object.keys(sweeps);
  const keysOf = new Map<string, string[]>();
  for (const node of order) {
    const own = sweepKeys.filter((k) => sweepTargets(k).some((t) => t.node === node));
    const inherited = Object.values(def.nodes[node].inputs ?? {})
      .map(wireSource)
      .filter((w) => !w.all)
      .flatMap((w) => keysOf.get(w.from) ?? []);
    const set = new Set([...own, ...inherited]);
    keysOf.set(
      node,
      sweepKeys.filter((k) => set.has(k)),
    );
  }
  const labels = sweepLabels(sweepKeys);

  const byNode = new Map<string, Instance[]>();
  const instances: Instance[] = [];
  for (const node of order) {
    const spec = def.nodes[node];
    const list: Instance[] = [];
    for (const assignment of cartesian(keysOf.get(node)!, sweeps)) {
      const raw: Record<string, unknown> = { ...(spec.params ?? {}), ...(overrides[node] ?? {}) };
      for (const [key, value] of Object.entries(assignment)) {
        for (const target of sweepTargets(key)) if (target.node === node) raw[target.param] = value;
      }
      const parts = Object.entries(assignment).map(([k, v]) => `${labels.get(k)}=${formatValue(v)}`);
      const id = parts.length === 0 ? node : `${node}[${parts.join(',')}]`;
      const inputs: Record<string, string | string[]> = {};
      for (const [name, wire] of Object.entries(spec.inputs ?? {})) {
        const { from, all } = wireSource(wire);
        const candidates = (byNode.get(from) ?? []).filter((u) => agrees(u.assignment, assignment));
        inputs[name] = all ? candidates.map((u) => u.id) : candidates[0].id;
      }
      const instance: Instance = {
        id,
        node,
        stage: spec.stage,
        params: resolveParams(spec.stage, node, raw),
        assignment,
        inputs,
      };
      list.push(instance);
      instances.push(instance);
    }
    byNode.set(node, list);
  }
  return { instances, order, byNode };
}

function checkKeys(
  def: PipelineDef,
  overrides: Record<string, Record<string, unknown>>,
  sweeps: Record<string, readonly unknown[]>,
): void {
  const nodes = Object.keys(def.nodes);
  const known = (node: string, flag: string): void => {
    if (!def.nodes[node])
      throw new UserError(`${flag}: unknown stage "${node}" (pipeline "${def.name}" has: ${nodes.join(', ')})`);
  };
  for (const node of Object.keys(overrides)) known(node, '--set');
  for (const [key, values] of Object.entries(sweeps)) {
    const targets = sweepTargets(key);
    if (targets.some((t) => !t.node || !t.param))
      throw new UserError(
        `--sweep ${key}: expected <stage>.<param>=v1,v2,... (or <stage>.<param>+<stage>.<param>=... to zip params)`,
      );
    for (const t of targets) known(t.node, '--sweep');
    if (values.length === 0) throw new UserError(`--sweep ${key}: needs at least one value`);
  }
  for (const [node, spec] of Object.entries(def.nodes)) {
    const required = inputNames(spec.stage.inputs);
    const declared = [...required, ...inputNames(spec.stage.optionalInputs)];
    for (const [name, wire] of Object.entries(spec.inputs ?? {})) {
      if (!declared.includes(name))
        throw new UserError(
          `pipeline "${def.name}": node ${node} wires input "${name}", which stage "${spec.stage.name}" does not declare (it has: ${declared.join(', ') || 'none'})`,
        );
      const { from } = wireSource(wire);
      const upstream = def.nodes[from];
      if (!upstream)
        throw new UserError(`pipeline "${def.name}": node ${node} input "${name}" comes from unknown node "${from}"`);
      const unmet = unmetNeeds(upstream.stage, [
        ...inputNeeds(spec.stage.inputs, name),
        ...inputNeeds(spec.stage.optionalInputs, name),
      ]);
      if (unmet)
        throw new UserError(
          `pipeline "${def.name}": node ${node} input "${name}" is wired to node ${from}; it ${unmet}`,
        );
    }
    for (const name of required) {
      if (!spec.inputs?.[name])
        throw new UserError(
          `pipeline "${def.name}": node ${node} leaves input "${name}" of stage "${spec.stage.name}" unwired`,
        );
    }
    for (const [key, h] of Object.entries(spec.stage.outputs ?? {})) {
      if (h.stage !== spec.stage.name || h.name !== key)
        throw new Error(
          `stage "${spec.stage.name}" declares output "${key}" with the handle of ${h.stage}.${h.name}: declare it with declareOutputs("${spec.stage.name}", ...)`,
        );
    }
  }
}

/** Kahn's algorithm in definition order; a cycle is reported with its path. */
export function topologicalOrder(def: PipelineDef): string[] {
  const names = Object.keys(def.nodes);
  const upstream = new Map(
    names.map((n) => [n, Object.values(def.nodes[n].inputs ?? {}).map((w) => wireSource(w).from)]),
  );
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < names.length) {
    const next = names.find((n) => !done.has(n) && upstream.get(n)!.every((u) => done.has(u) || !def.nodes[u]));
    if (next === undefined)
      throw new UserError(
        `pipeline "${def.name}" has a cycle: ${findCycle(
          names.filter((n) => !done.has(n)),
          upstream,
        ).join(' → ')}`,
      );
    done.add(next);
    order.push(next);
  }
  return order;
}

function findCycle(remaining: string[], upstream: Map<string, string[]>): string[] {
  const path: string[] = [];
  let current = remaining[0];
  while (!path.includes(current)) {
    path.push(current);
    current = upstream.get(current)!.find((u) => remaining.includes(u))!;
  }
  return [...path.slice(path.indexOf(current)), current].reverse();
}

function* cartesian(keys: string[], sweeps: Record<string, readonly unknown[]>): Generator<Record<string, unknown>> {
  if (keys.length === 0) {
    yield {};
    return;
  }
  const [first, ...rest] = keys;
  for (const value of sweeps[first]) {
    for (const tail of cartesian(rest, sweeps)) yield { [first]: value, ...tail };
  }
}

function agrees(upstream: Record<string, unknown>, downstream: Record<string, unknown>): boolean {
  return Object.entries(upstream).every(
    ([k, v]) => !(k in downstream) || canonicalJson(downstream[k]) === canonicalJson(v),
  );
}

/** The params a sweep key sets: `a.x` → one; `a.x+b.y` → both, to the same value (a zipped sweep). */
export function sweepTargets(key: string): { node: string; param: string }[] {
  return key.split('+').map((part) => {
    const dot = part.indexOf('.');
    return dot <= 0 ? { node: '', param: '' } : { node: part.slice(0, dot), param: part.slice(dot + 1) };
  });
}

/**
 * Short labels for ids: the param name alone when no two sweep keys share it (a zipped key whose params share a
 * name, like `batches.seed+train.seed`, is labelled by that name).
 */
function sweepLabels(keys: string[]): Map<string, string> {
  const param = (k: string): string => {
    const names = [...new Set(sweepTargets(k).map((t) => t.param))];
    return names.length === 1 ? names[0] : k;
  };
  return new Map(keys.map((k) => [k, keys.filter((o) => param(o) === param(k)).length > 1 ? k : param(k)]));
}

function formatValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
