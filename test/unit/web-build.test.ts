import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTeamApp } from '../../web/build';

const webDir = join(import.meta.dirname, '../../web');

describe("the team app's build", () => {
  let out: string | undefined;
  afterAll(() => (out ? rm(out, { recursive: true, force: true }) : undefined));

  it('writes app.js, app.css and an index.html with no inline script or style, quickly and small', async () => {
    out = await mkdtemp(join(tmpdir(), 'team-app-'));
    const started = performance.now();
    const files = await buildTeamApp(out);
    const ms = performance.now() - started;
    expect(files.sort()).toEqual(['app.css', 'app.js', 'index.html']);
    expect((await readdir(out)).sort()).toEqual(['app.css', 'app.js', 'index.html']);

    const html = await readFile(join(out, 'index.html'), 'utf8');
    expect(html).toContain('<script type="module" src="/app/app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/app/app.css">');
    // The CSP has no 'unsafe-inline': every script is a file, and no style is inline.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/app/app.js">']);
    expect(html).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);

    const js = await readFile(join(out, 'app.js'), 'utf8');
    const css = await readFile(join(out, 'app.css'), 'utf8');
    console.log(`team app: app.js ${(js.length / 1024).toFixed(1)} KB, app.css ${(css.length / 1024).toFixed(1)} KB, built in ${Math.round(ms)} ms`);
    // Chart.js's bar chart alone is about 135 KB minified: the registered pieces only.
    expect(js.length).toBeLessThan(220 * 1024);
    // Controllers register by id: only the bar chart's is in the bundle.
    expect(js).toContain('"bar"');
    expect(js).not.toMatch(/"(doughnut|line|pie|radar|polarArea|bubble|scatter)"/);
    // No server code: no zod, no node: modules.
    expect(js).not.toMatch(/node:crypto|zod/);
    expect(js).toContain('USER_PASSWORD_AUTH');
  });

  it('builds the page only with createElement and text: no HTML from strings in the source', async () => {
    const sources = (await readdir(webDir, { recursive: true })).filter((file) => file.endsWith('.ts') && file !== 'build.ts');
    expect(sources.length).toBeGreaterThan(5);
    for (const file of sources) {
      const text = await readFile(join(webDir, file), 'utf8');
      expect(text, file).not.toMatch(/\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|new Function|\beval\(/);
    }
  });
});
