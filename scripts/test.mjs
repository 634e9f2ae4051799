#!/usr/bin/env node
// `npm test`: runs ava with its normal output, then ends with the plain `N passed, N failed` line that CI reads,
// keeping ava's exit code. Extra arguments go to ava (e.g. `npm test -- test/engine/`).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const avaCli = join(dirname(dirname(require.resolve('ava'))), 'entrypoints/cli.mjs');
const child = spawn(process.execPath, [avaCli, '--tap', ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});

let passed = 0;
let failed = 0;
let skipped = 0;
let buffer = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffer += chunk;
  const lines = buffer.split('\n');
  buffer = lines.pop() ?? '';
  for (const line of lines) {
    // TAP test points: "ok N - title", "not ok N - title", with "# SKIP"/"# TODO" directives.
    if (/^ok \d+/.test(line)) {
      if (/# (SKIP|TODO)/i.test(line)) skipped++;
      else passed++;
    } else if (/^not ok \d+/.test(line)) {
      if (/# TODO/i.test(line)) skipped++;
      else failed++;
    }
  }
});
child.on('close', (code, signal) => {
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  process.exitCode = code ?? (signal ? 1 : 0);
  if (code === 0 && failed > 0) process.exitCode = 1;
});
