import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * The team app's static files: `app.js` (main.ts and Chart.js's bar chart, minified, ES2020),
 * `app.css` and `index.html`, which references them at `/app/app.js` and `/app/app.css` and
 * holds no inline script or style (the page's CSP allows neither). CDK deploys the folder;
 * the local API serves it under /app/.
 */

const here = fileURLToPath(new URL('.', import.meta.url));

export async function buildTeamApp(outDir: string): Promise<string[]> {
  const out = resolve(outDir);
  await mkdir(out, { recursive: true });
  await Promise.all([
    build({
      entryPoints: { app: join(here, 'main.ts') },
      bundle: true,
      minify: true,
      format: 'esm',
      target: 'es2020',
      platform: 'browser',
      tsconfig: join(here, 'tsconfig.json'),
      outdir: out,
      legalComments: 'none',
      logLevel: 'warning',
      define: { 'process.env.NODE_ENV': '"production"' },
    }),
    build({ entryPoints: { app: join(here, 'app.css') }, bundle: true, minify: true, target: ['chrome90', 'firefox90', 'safari14'], outdir: out, logLevel: 'warning' }),
    readFile(join(here, 'index.html'), 'utf8').then((html) => writeFile(join(out, 'index.html'), html)),
  ]);
  return ['app.css', 'app.js', 'index.html'];
}

// `tsx web/build.ts <outDir>`
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: tsx web/build.ts <outDir>');
    process.exit(2);
  }
  const started = performance.now();
  const files = await buildTeamApp(outDir);
  console.log(`team app: ${files.join(', ')} in ${resolve(outDir)} (${Math.round(performance.now() - started)} ms)`);
}
