import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The team app's browser assets (web/, built by esbuild: index.html, app.js, app.css) reach
 * the app-page function as a folder beside its bundle, named by APP_ASSETS_DIR. CDK builds
 * them when it bundles the function; the local stack builds the same folder the same way.
 */

/** The folder's name inside the app-page function's bundle. */
export const teamAppFolderName = 'app';

/** Where Lambda unpacks the function's code (LAMBDA_TASK_ROOT), so where the assets are. */
export const bundledTeamAppDir = `/var/task/${teamAppFolderName}`;

/** Every file under web/, for the build's content hash. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : [path];
  }).sort();
}

/**
 * Builds the app into `node_modules/.cache/speed-to-lead/team-app-<hash of web/>` unless that
 * build exists, and returns its path relative to the project root. A child process, because
 * synth is synchronous and esbuild's bundling API is not; the cache makes repeats free.
 */
export function stagedTeamApp(projectRoot: string): string {
  const webDir = join(projectRoot, 'web');
  const hash = createHash('sha256');
  for (const file of sourceFiles(webDir)) hash.update(relative(webDir, file)).update('\0').update(readFileSync(file)).update('\0');
  const relativePath = `node_modules/.cache/speed-to-lead/team-app-${hash.digest('hex').slice(0, 16)}`;
  const outDir = join(projectRoot, relativePath);
  if (!existsSync(join(outDir, 'index.html'))) {
    // Built beside it, then moved in at once: tests starting stacks in parallel never see half a build.
    const building = `${outDir}.${process.pid}-${Date.now()}`;
    execFileSync(process.execPath, ['--import', 'tsx', join(webDir, 'build.ts'), building], { cwd: projectRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      renameSync(building, outDir);
    } catch {
      // Another process moved the same build in first.
      rmSync(building, { recursive: true, force: true });
    }
  }
  return relativePath;
}
