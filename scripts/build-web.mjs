#!/usr/bin/env node
/**
 * Builds the web client into dist/web (or the folder after --out): index.html,
 * style.css, and app.js — src/web/app.ts bundled with the SDK for the browser.
 *
 * Node's modules must not reach the bundle: `node:events` is replaced by the SDK's
 * small browser EventEmitter, the TCP channel by a stand-in that refuses, and any other
 * `node:` import fails the build.
 */
import { build } from 'esbuild';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outdir = resolve(root, outIndex > 0 ? process.argv[outIndex + 1] : 'dist/web');
const quiet = process.argv.includes('--quiet');

/** @type {import('esbuild').Plugin} */
const browserStandIns = {
  name: 'browser-stand-ins',
  setup(b) {
    b.onResolve({ filter: /^node:events$/ }, () => ({ path: join(root, 'src/client/event-emitter.browser.ts') }));
    b.onResolve({ filter: /\/tcp-client-channel$/ }, () => ({ path: join(root, 'src/client/tcp-client-channel.browser.ts') }));
    b.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [{ text: `${args.path} is a Node module: the web client cannot use it (imported by ${relative(root, args.importer)})` }],
    }));
  },
};

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/web/app.ts' },
  outdir,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022'],
  tsconfig: 'tsconfig.web.json',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  plugins: [browserStandIns],
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) await copyFile(join(root, 'src/web', file), join(outdir, file));

if (!quiet) {
  const app = join(outdir, 'app.js');
  const { size } = await stat(app);
  const gzipped = gzipSync(readFileSync(app)).length;
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`web client: ${relative(root, app)} ${kb(size)} (${kb(gzipped)} gzipped)`);
}
