// The one door to TensorFlow.js: the tfjs-core namespace every other file imports, and the backend chain
// node-gpu → node → wasm → cpu behind it, chosen at run time, reported for the manifest and the fingerprint.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';
// tfjs-core's Node bundle registers no gradient at all (tf.grads fails with "gradient function not found for
// Sum"); its gradients ship only as loose ESM files Node cannot load. tfjs-layers' Node bundle carries the same
// ~100 gradient configs and registers them into the shared registry on import, 40 ms and no further dependencies
// (the @tensorflow/tfjs union would do it too, and add the chained ops, at ~240 MB). Chained ops stay
// unregistered: write tf.add(x, y), not x.add(y), whatever the types say.
import '@tensorflow/tfjs-layers';

// Every other file imports TF.js from here, never from '@tensorflow/*', so swapping or pinning it touches one file.
// Every backend package registers into this tfjs-core instance (its engine and kernel registry are process
// globals). That only works when all @tensorflow/* packages are the exact same version as tfjs-core (4.22.0 today:
// tfjs-node pins @tensorflow/tfjs, hence tfjs-core, exactly); a mismatched package is refused, see probeBackend().
export { tf };

/** The backends, fastest first: the order 'auto' tries them in. */
export const BACKEND_NAMES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export const BACKEND_CHOICES = ['auto', ...BACKEND_NAMES] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface ResolvedBackend {
  name: BackendName;
  package: string;
  /** The backend package's version (the same as tfjs-core's, or it is refused). */
  version: string;
}

export interface ActiveBackend extends ResolvedBackend {
  requested: BackendChoice;
  /** What tf.getBackend() says: 'tensorflow' for both native packages. */
  tfBackend: string;
  /** wasm: whether the SIMD binary is the one running. */
  simd?: boolean;
  /** wasm: XNNPACK threads (1 in Node: tfjs-backend-wasm disables its threaded build there). */
  threads?: number;
  /** node-gpu: whether TensorFlow found a CUDA device; without one libtensorflow-gpu quietly runs on the CPU. */
  gpu?: boolean;
  /** The backends 'auto' passed over before this one, with why. Empty for an explicit choice. */
  tried: { name: BackendName; error: string }[];
}

/** Why a backend can or cannot be used, without loading it into TF.js. */
export type BackendProbe =
  { ok: true; package: string; version: string } | { ok: false; package: string; reason: string };

interface Spec {
  name: BackendName;
  package: string;
  /** The name the package registers with tf.registerBackend. */
  tfName: 'tensorflow' | 'wasm' | 'cpu';
  native: boolean;
  /** Appended to "not installed": how to get it. */
  installHint: string;
}

const SPECS: Record<BackendName, Spec> = {
  'node-gpu': {
    name: 'node-gpu',
    package: '@tensorflow/tfjs-node-gpu',
    tfName: 'tensorflow',
    native: true,
    installHint:
      'needs internet to download libtensorflow-gpu 2.9.1; Linux x64 or Windows with CUDA 11.2 and cuDNN 8.1',
  },
  node: {
    name: 'node',
    package: '@tensorflow/tfjs-node',
    tfName: 'tensorflow',
    native: true,
    installHint: 'needs internet to download libtensorflow',
  },
  wasm: {
    name: 'wasm',
    package: '@tensorflow/tfjs-backend-wasm',
    tfName: 'wasm',
    native: false,
    installHint: 'a dependency of this project: run npm ci',
  },
  cpu: {
    name: 'cpu',
    package: '@tensorflow/tfjs-backend-cpu',
    tfName: 'cpu',
    native: false,
    installHint: 'a dependency of this project: run npm ci',
  },
};

const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'] as const;

// tfjs-backend-wasm's own SIMD detection (a tiny module with one SIMD opcode, from GoogleChromeLabs'
// wasm-feature-detect): it picks its SIMD binary when this validates. Validation is synchronous, so backendEnv
// knows without starting the backend. (webassembly.d.ts declares the part of the WebAssembly global we use.)
const webAssembly = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11,
]);

// The 'auto' chain needs the native packages to be absent without anything breaking, and resolveBackend must be
// synchronous (the fingerprint's env hook is), so packages are found and loaded with require, never imported.
const projectRequire = createRequire(import.meta.url);

const probes = new Map<string, BackendProbe>();

/**
 * Whether `name` can be used here, and which package version would serve it, without registering anything in
 * TF.js. For the native packages this loads their compiled binding (libtensorflow), which is what fails when the
 * install script could not download it. Cached per process. `from` resolves packages from another folder (tests).
 */
export function probeBackend(name: BackendName, from?: string | URL): BackendProbe {
  const key = `${name}\0${from ?? ''}`;
  let probe = probes.get(key);
  if (!probe) probes.set(key, (probe = probe_(SPECS[name], from ? createRequire(from) : projectRequire)));
  return probe;
}

function probe_(spec: Spec, req: NodeJS.Require): BackendProbe {
  const fail = (reason: string): BackendProbe => ({ ok: false, package: spec.package, reason });
  let manifestPath: string;
  try {
    manifestPath = req.resolve(`${spec.package}/package.json`);
  } catch {
    return fail(`${spec.package} is not installed: npm i ${spec.package}@${tf.version_core} (${spec.installHint})`);
  }
  const version = String((req(manifestPath) as { version?: unknown }).version);
  if (version !== tf.version_core) {
    return fail(
      `${spec.package} is ${version} but @tensorflow/tfjs-core is ${tf.version_core}; all TF.js packages must be the same version: npm i ${spec.package}@${tf.version_core}`,
    );
  }
  const root = dirname(manifestPath);
  if (spec.name === 'wasm') {
    if (!webAssembly) return fail('this runtime has no WebAssembly');
    const missing = WASM_BINARIES.filter((file) => !existsSync(join(root, 'dist', file)));
    if (missing.length > 0)
      return fail(`${spec.package} has no ${missing.join(', ')} in ${join(root, 'dist')}: reinstall it (npm ci)`);
  }
  if (spec.native) {
    const reason = nativeBindingProblem(spec, manifestPath);
    if (reason) return fail(reason);
  }
  return { ok: true, package: spec.package, version };
}

/** Finds and loads the package's compiled addon the way the package itself does (node-pre-gyp), so a probe
 * tells "not installed" from "installed, libtensorflow missing" from "libtensorflow does not load here". */
function nativeBindingProblem(spec: Spec, manifestPath: string): string | undefined {
  let bindingPath: string;
  try {
    const preGyp = createRequire(manifestPath)('@mapbox/node-pre-gyp') as { find(packageJsonPath: string): string };
    bindingPath = preGyp.find(manifestPath);
  } catch (error) {
    return `${spec.package}'s native binding cannot be located: ${message(error)}`;
  }
  if (!existsSync(bindingPath)) {
    // npm rolls a failed optional install back, so a package that is present but bindingless was installed with
    // scripts off (--ignore-scripts, or an allowScripts denial) or had its download cut short.
    return (
      `${spec.package} is installed without its native binding ${bindingPath} (its install script, which ` +
      `downloads libtensorflow, did not run or failed): with internet, npm rebuild ${spec.package}`
    );
  }
  try {
    // Loading the addon alone registers nothing in TF.js; the package's later require reuses Node's cached copy.
    projectRequire(bindingPath);
  } catch (error) {
    return `${spec.package}'s native binding failed to load: ${message(error)}`;
  }
  return undefined;
}

/**
 * Which backend initBackend(choice) will use, decided synchronously for the fingerprint's env hook: the first in
 * the chain whose package resolves, matches tfjs-core's version and (native ones) whose binding loads. A best
 * guess only in that wasm's binary is compiled, and a native backend created, by initBackend alone; if that step
 * fails, 'auto' moves on and the two disagree. Throws what initBackend would for an explicit choice it cannot use.
 */
export function resolveBackend(choice: BackendChoice): ResolvedBackend {
  for (const spec of candidates(choice)) {
    const probe = probeBackend(spec.name);
    if (probe.ok) return { name: spec.name, package: spec.package, version: probe.version };
    if (choice !== 'auto') throw unusable(spec, probe.reason);
  }
  throw new Error(`no TF.js backend can load here (tried ${BACKEND_NAMES.join(', ')}): reinstall with npm ci`);
}

/**
 * The environment values that decide training output, for the stage's fingerprint: which backend at which
 * version, and for wasm whether it runs the SIMD binary (SIMD and scalar kernels round differently). Not recorded:
 * wasm threads (always 1 in Node) and whether node-gpu found a GPU (only known once libtensorflow has started;
 * initBackend reports it for the manifest).
 */
export function backendEnv(choice: BackendChoice): Record<string, string> {
  const resolved = resolveBackend(choice);
  const env: Record<string, string> = { backend: `${resolved.name}@${resolved.version}` };
  if (resolved.name === 'wasm') env.wasmSimd = wasmSimdSupported() ? 'on' : 'off';
  return env;
}

/**
 * The backend that started, checked against the one the fingerprint recorded at plan time (`ctx.env`, from
 * `backendEnv`): 'auto' may move on to the next backend when one fails to start, and its artifact would then be
 * filed under a fingerprint that promises another backend's numbers. A mismatch fails the stage with what to do.
 */
export function checkPlannedBackend(
  planned: Readonly<Record<string, string>>,
  active: ActiveBackend,
  param: string,
): ActiveBackend {
  const ran = `${active.name}@${active.version}`;
  const problems: string[] = [];
  if (planned.backend !== undefined && planned.backend !== ran)
    problems.push(`the plan recorded ${planned.backend}, but ${ran} started`);
  if (planned.wasmSimd !== undefined && active.name === 'wasm' && planned.wasmSimd !== (active.simd ? 'on' : 'off')) {
    problems.push(
      `the plan recorded wasm SIMD ${planned.wasmSimd}, but the backend runs it ${active.simd ? 'on' : 'off'}`,
    );
  }
  if (problems.length === 0) return active;
  const why = active.tried.length > 0 ? ` (${active.tried.map((t) => `${t.name}: ${t.error}`).join('; ')})` : '';
  throw new Error(
    `TF.js backend differs from the planned one: ${problems.join('; ')}${why}. Its results would be filed under the wrong fingerprint; ` +
      `rerun with --set ${param}=${active.name} to plan for the backend that works here, or fix the one that failed.`,
  );
}

function wasmSimdSupported(): boolean {
  // Someone may have forced the flag (tf.env().set) to compare binaries; it wins as it does in the backend.
  const forced = tf.env().getFlags().WASM_HAS_SIMD_SUPPORT;
  if (typeof forced === 'boolean') return forced;
  try {
    return webAssembly?.validate(SIMD_PROBE) ?? false;
  } catch {
    return false;
  }
}

const loaded = new Map<BackendName, unknown>();
const results = new Map<BackendChoice, ActiveBackend>();
let queue: Promise<unknown> = Promise.resolve();

/**
 * Makes `choice` the active TF.js backend and reports what is running. 'auto' takes the first of node-gpu, node,
 * wasm, cpu that loads and initialises; an explicit name that cannot is an error naming the package and the
 * cause, and leaves the active backend as it was. A repeated call costs a map lookup; another choice switches
 * (backends already created are kept by TF.js, so switching back is cheap too). Calls run one at a time.
 */
export function initBackend(choice: BackendChoice): Promise<ActiveBackend> {
  const run = queue.then(() => init(choice));
  queue = run.catch(() => undefined);
  return run;
}

async function init(choice: BackendChoice): Promise<ActiveBackend> {
  if (!(BACKEND_CHOICES as readonly string[]).includes(choice)) {
    throw new Error(`unknown TF.js backend ${JSON.stringify(choice)}: expected one of ${BACKEND_CHOICES.join(', ')}`);
  }
  const previous = results.get(choice);
  if (previous && engineBackendName() === previous.tfBackend) return previous;
  const tried: ActiveBackend['tried'] = [];
  for (const spec of candidates(choice)) {
    const outcome = await activate(spec);
    if (typeof outcome === 'string') {
      if (choice !== 'auto') throw unusable(spec, outcome);
      tried.push({ name: spec.name, error: outcome });
      continue;
    }
    const active: ActiveBackend = { requested: choice, ...outcome, tried };
    results.set(choice, active);
    return active;
  }
  throw new Error(`no TF.js backend could start (${tried.map((t) => `${t.name}: ${t.error}`).join('; ')})`);
}

/** Loads, registers and starts one backend; a string says why it could not. */
async function activate(spec: Spec): Promise<Omit<ActiveBackend, 'requested' | 'tried'> | string> {
  const probe = probeBackend(spec.name);
  if (!probe.ok) return probe.reason;
  const mod = load(spec);
  if (typeof mod === 'string') return mod;
  const before = engineBackendName();
  if (spec.name === 'wasm') configureWasm(mod as typeof TfWasm);
  const failure = await setBackend(spec.tfName);
  if (failure !== undefined) {
    // A failed tf.setBackend leaves TF.js pointing at the backend that failed; go back to what was running.
    if (before && before !== spec.tfName) await tf.setBackend(before);
    return failure;
  }
  await tf.ready();
  if (spec.name === 'cpu') {
    // Its first tensor write prints an advert for tfjs-node into every log; `tried` already says why no native
    // backend runs. A private flag: if it is ever renamed, the banner merely comes back.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  }
  const active = { name: spec.name, package: spec.package, version: probe.version, tfBackend: tf.getBackend() };
  if (spec.name === 'wasm') {
    const wasm = mod as typeof TfWasm;
    return {
      ...active,
      simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean,
      threads: wasm.getThreadsCount(),
    };
  }
  if (spec.name === 'node-gpu') {
    // NodeJSKernelBackend asks libtensorflow at construction; not part of the public types.
    return { ...active, gpu: Boolean((tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice) };
  }
  return active;
}

function load(spec: Spec): unknown {
  if (loaded.has(spec.name)) return loaded.get(spec.name);
  const other = spec.native
    ? BACKEND_NAMES.find((n) => n !== spec.name && SPECS[n].native && loaded.has(n))
    : undefined;
  if (other) {
    return `${SPECS[other].package} is already loaded in this process and both register the TF.js backend 'tensorflow'; use one per process`;
  }
  let mod: unknown;
  try {
    // Registration is the import's side effect (tfjs-node also switches to itself, which activate() then confirms).
    mod = projectRequire(spec.package);
  } catch (error) {
    return `${spec.package} failed to load: ${message(error)}`;
  }
  if (tf.findBackendFactory(spec.tfName) == null) {
    return `${spec.package} loaded but registered no '${spec.tfName}' backend in this tfjs-core (a second copy of @tensorflow/tfjs-core? run npm ls @tensorflow/tfjs-core)`;
  }
  loaded.set(spec.name, mod);
  return mod;
}

let wasmConfigured = false;

function configureWasm(wasm: typeof TfWasm): void {
  if (wasmConfigured) return;
  // In Node, Emscripten reads the .wasm with fs from `prefix + file`. Its default prefix is the folder of the
  // bundle that was loaded, right only for the CJS node bundle; an explicit dist folder also survives bundling
  // and the ESM build. A plain path, not a file:// URL: both work, the path also on Windows.
  const dist = dirname(projectRequire.resolve(`${SPECS.wasm.package}/package.json`)) + `${sep}dist${sep}`;
  wasm.setWasmPaths(dist);
  wasmConfigured = true;
}

/**
 * tf.setBackend, with what we can say about a failure. TF.js prints the cause itself (console.warn) and returns
 * false; we leave the global console alone (patching it would swallow other code's warnings, and races when
 * stages run in parallel), so the message points at TF.js's own line above it.
 */
async function setBackend(tfName: string): Promise<string | undefined> {
  try {
    return (await tf.setBackend(tfName))
      ? undefined
      : `tf.setBackend('${tfName}') failed (TF.js printed the cause above)`;
  } catch (error) {
    return `tf.setBackend('${tfName}') threw: ${message(error)}`;
  }
}

function candidates(choice: BackendChoice): Spec[] {
  return choice === 'auto' ? BACKEND_NAMES.map((n) => SPECS[n]) : [SPECS[choice]];
}

function unusable(spec: Spec, reason: string): Error {
  return new Error(`backend '${spec.name}' requested but ${reason}`);
}

/** The engine's current backend name; tf.getBackend() reads the field without starting a backend. */
function engineBackendName(): string | undefined {
  return tf.getBackend() ?? undefined;
}

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0];
}
