import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const dir = (path: string) => fileURLToPath(new URL(path, new URL('../', import.meta.url)));

const alias = {
  '@domain': dir('./functions/domain'),
  '@adapters': dir('./functions/adapters'),
  '@commons': dir('./functions/commons'),
  '@functions': dir('./functions'),
};

// One project per need: `vitest --project unit` needs nothing; the others start emulators
// or synthesize the stack inside their own test files.
export default defineConfig({
  resolve: { alias },
  // The config lives in test/ so the top level stays as the layout says; paths are from the root.
  root: dir('./'),
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', CDK_VALIDATION: 'false' },
    // Two files at a time on the 2 cores CI has (vitest's default there is one): most files
    // wait on a simulated clock or a child process more than they compute. Measured on a fresh
    // clone of this commit: the suite took 10 min 16 s one file at a time, 6 min 48 s two at a time.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 60_000 } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 } },
      { extends: true, test: { name: 'workflow', include: ['test/workflow/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 30_000 } },
      // A real browser and `npm start` as a process; the setup installs Chromium once if missing.
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: ['test/e2e/global-setup.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
      },
    ],
  },
});
