// The TF.js backend chain: cpu and wasm start and report package, version, SIMD and threads; 'auto' takes the first
// backend that loads and says why it passed over the others; an explicit backend that cannot load fails naming its
// package, and the probe tells "not installed", "no binding", "binding does not load" and "wrong version" apart (on
// fake packages); cpu and wasm agree on matMul and on gradients; resolveBackend / backendEnv predict initBackend.
import test from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  backendEnv,
  initBackend,
  probeBackend,
  resolveBackend,
  tf,
  type BackendChoice,
  type BackendName,
} from '../../stages/train/backend.ts';

// TF.js state is process-wide, so every test here is serial. The native packages are not installable offline; where
// one does load (a machine with internet), the tests that need it absent are skipped, the others adapt.
const VERSION = tf.version_core;
const nativeUsable = (['node-gpu', 'node'] as const).filter((name) => probeBackend(name).ok);

/** Deterministic values in [-1, 1) without touching TF.js's own random state. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

test.serial('cpu and wasm start and report the backend, package and version', async (t) => {
  const cpu = await initBackend('cpu');
  t.like(cpu, {
    requested: 'cpu',
    name: 'cpu',
    tfBackend: 'cpu',
    package: '@tensorflow/tfjs-backend-cpu',
    version: VERSION,
  });
  t.deepEqual(cpu.tried, []);
  t.is(tf.getBackend(), 'cpu');

  const wasm = await initBackend('wasm');
  t.like(wasm, {
    requested: 'wasm',
    name: 'wasm',
    tfBackend: 'wasm',
    package: '@tensorflow/tfjs-backend-wasm',
    version: VERSION,
  });
  t.is(tf.getBackend(), 'wasm');
  t.is(typeof wasm.simd, 'boolean');
  t.true(Number.isInteger(wasm.threads) && wasm.threads! >= 1);
  t.is(backendEnv('wasm').wasmSimd, wasm.simd ? 'on' : 'off', 'the synchronous SIMD guess matches the running binary');
});

test.serial('a repeated choice returns the same report at once; another choice switches, and back', async (t) => {
  const first = await initBackend('wasm');
  t.is(await initBackend('wasm'), first);
  await initBackend('cpu');
  t.is(tf.getBackend(), 'cpu');
  const again = await initBackend('wasm');
  t.is(tf.getBackend(), 'wasm');
  t.deepEqual(again, first);
});

test.serial("'auto' takes the first backend that loads and says why it passed over the others", async (t) => {
  const auto = await initBackend('auto');
  t.is(auto.requested, 'auto');
  if (nativeUsable.length > 0) {
    t.log(`native backend available here: ${nativeUsable[0]}`);
    t.is(auto.name, nativeUsable[0]);
    return;
  }
  t.like(auto, { name: 'wasm', tfBackend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', version: VERSION });
  t.deepEqual(
    auto.tried.map((x) => x.name),
    ['node-gpu', 'node'],
  );
  t.regex(auto.tried[0].error, /@tensorflow\/tfjs-node-gpu\b/);
  t.regex(auto.tried[1].error, /@tensorflow\/tfjs-node\b/);
  for (const { error } of auto.tried) t.regex(error, /not installed|native binding|is \d+\.\d+\.\d+ but/);
});

(nativeUsable.includes('node') ? test.skip : test.serial)(
  'an explicit native backend that cannot load is an error naming it, its package and the cause, and changes nothing',
  async (t) => {
    await initBackend('cpu');
    const error = await t.throwsAsync(initBackend('node'));
    t.regex(error!.message, /^backend 'node' requested but @tensorflow\/tfjs-node\b/);
    t.regex(error!.message, /not installed: npm i @tensorflow\/tfjs-node@|native binding|is \d+\.\d+\.\d+ but/);
    t.is(tf.getBackend(), 'cpu', 'the backend that was running still is');
    t.throws(() => resolveBackend('node'), { message: error!.message });
    t.throws(() => backendEnv('node'), { message: error!.message });
  },
);

test.serial('an unknown backend name is refused with the list of choices', async (t) => {
  await t.throwsAsync(initBackend('gpu' as BackendChoice), {
    message: /unknown TF\.js backend "gpu".*auto, node-gpu, node, wasm, cpu/,
  });
});

test.serial(
  'the probe tells a missing package, a missing binding, a binding that does not load and a wrong version apart',
  async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'hxlr-backend-'));
    t.teardown(() => rm(root, { recursive: true, force: true }));
    /** A folder holding a fake @tensorflow/tfjs-node whose node-pre-gyp points at lib/tfjs_binding.node. */
    async function fakeInstall(name: string, version: string, binding?: string): Promise<URL> {
      const dir = join(root, name);
      const pkg = join(dir, 'node_modules/@tensorflow/tfjs-node');
      const preGyp = join(pkg, 'node_modules/@mapbox/node-pre-gyp');
      await mkdir(preGyp, { recursive: true });
      await writeFile(
        join(pkg, 'package.json'),
        JSON.stringify({ name: '@tensorflow/tfjs-node', version, main: 'index.js' }),
      );
      await writeFile(
        join(preGyp, 'package.json'),
        JSON.stringify({ name: '@mapbox/node-pre-gyp', version: '1.0.9', main: 'index.js' }),
      );
      await writeFile(
        join(preGyp, 'index.js'),
        `exports.find = (p) => require('path').join(require('path').dirname(p), 'lib', 'tfjs_binding.node');`,
      );
      if (binding !== undefined) {
        await mkdir(join(pkg, 'lib'));
        await writeFile(join(pkg, 'lib/tfjs_binding.node'), binding);
      }
      return pathToFileURL(join(dir, 'index.js'));
    }
    const reason = (from: URL, name: BackendName = 'node') => {
      const probe = probeBackend(name, from);
      return probe.ok ? 'ok' : probe.reason;
    };

    const empty = pathToFileURL(join(root, 'empty', 'index.js'));
    t.is(
      reason(empty),
      `@tensorflow/tfjs-node is not installed: npm i @tensorflow/tfjs-node@${VERSION} (needs internet to download libtensorflow)`,
    );
    t.regex(
      reason(await fakeInstall('bindingless', VERSION)),
      /installed without its native binding .*tfjs_binding\.node .*npm rebuild @tensorflow\/tfjs-node/,
    );
    t.regex(reason(await fakeInstall('broken', VERSION, 'not an ELF file')), /native binding failed to load: /);
    t.regex(
      reason(await fakeInstall('old', '4.0.0')),
      new RegExp(
        `is 4\\.0\\.0 but @tensorflow/tfjs-core is ${VERSION.replace(/\./g, '\\.')}; .*npm i @tensorflow/tfjs-node@`,
      ),
    );
  },
);

test.serial('cpu and wasm give the same matMul, transposeB included, within 1e-5', async (t) => {
  const a = values(7 * 5, 1);
  const b = values(5 * 3, 2);
  const bt = values(3 * 5, 3);
  const run = async (choice: 'cpu' | 'wasm') => {
    await initBackend(choice);
    return tf.tidy(() => [
      tf.matMul(tf.tensor2d(a, [7, 5]), tf.tensor2d(b, [5, 3])).dataSync(),
      tf.matMul(tf.tensor2d(a, [7, 5]), tf.tensor2d(bt, [3, 5]), false, true).dataSync(),
    ]);
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  t.true(maxAbsDiff(cpu[0], wasm[0]) < 1e-5);
  t.true(maxAbsDiff(cpu[1], wasm[1]) < 1e-5);
  // And both are right: element (0, 0) by hand.
  let expected = 0;
  for (let k = 0; k < 5; k++) expected += a[k] * b[k * 3];
  t.true(Math.abs(cpu[0][0] - expected) < 1e-5);
});

test.serial('gradients are registered and cpu and wasm agree on them: d/dW sum((XW + b)²) = 2Xᵀ(XW + b)', async (t) => {
  const [n, d] = [6, 4];
  const x = values(n * d, 4);
  const w = values(d * d, 5);
  const bias = values(d, 6);
  // The reference in plain JS.
  const y = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      let s = bias[j];
      for (let k = 0; k < d; k++) s += x[i * d + k] * w[k * d + j];
      y[i * d + j] = s;
    }
  const dw = new Float64Array(d * d);
  for (let k = 0; k < d; k++)
    for (let j = 0; j < d; j++) for (let i = 0; i < n; i++) dw[k * d + j] += 2 * x[i * d + k] * y[i * d + j];
  const db = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) db[j] += 2 * y[i * d + j];

  for (const choice of ['cpu', 'wasm'] as const) {
    await initBackend(choice);
    const X = tf.tensor2d(x, [n, d]);
    const grads = tf.grads((W: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(tf.add(tf.matMul(X, W as tf.Tensor2D), b))),
    );
    const [gw, gb] = grads([tf.tensor2d(w, [d, d]), tf.tensor1d(bias)]);
    t.true(maxAbsDiff(gw.dataSync(), dw) < 1e-4, `${choice} dW`);
    t.true(maxAbsDiff(gb.dataSync(), db) < 1e-4, `${choice} db`);
    tf.dispose([X, gw, gb]);
  }
});

test.serial('resolveBackend and backendEnv predict what initBackend starts', async (t) => {
  for (const choice of ['auto', 'wasm', 'cpu'] as const) {
    const active = await initBackend(choice);
    t.deepEqual(
      resolveBackend(choice),
      { name: active.name, package: active.package, version: active.version },
      choice,
    );
    const env = backendEnv(choice);
    t.is(env.backend, `${active.name}@${active.version}`);
    if (active.name === 'wasm') t.is(env.wasmSimd, active.simd ? 'on' : 'off');
    else t.false('wasmSimd' in env);
  }
  if (nativeUsable.length === 0)
    t.deepEqual(backendEnv('auto'), { backend: `wasm@${VERSION}`, wasmSimd: backendEnv('wasm').wasmSimd });
});
