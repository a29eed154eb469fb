import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const dir = (path: string) => fileURLToPath(new URL(path, new URL('../', import.meta.url)));

const alias = {
  '@domain': dir('./functions/domain'),
  '@adapters': dir('./functions/adapters'),
  '@commons': dir('./functions/commons'),
  '@functions': dir('./functions'),
};

/**
 * Runs the longest test files first, across projects, so the workers stay busy to the end
 * instead of one of them starting a long file while the other runs out of work. vitest's own
 * order groups files by project name (e2e, infra, integration, unit, workflow: the long
 * workflow files last) and knows durations only from a previous run's cache, which a fresh
 * clone in CI does not have. So: the cached duration when there is one, else the one written
 * here, else a guess by project. Only their order matters. These are ms from loaded runs on 2
 * cores of 2 December 2026 (load 8 for the twenty longest, load 15-20 scaled by 0.9 for the
 * others, where every other engineer's tests ran too), after the start-up savings of that day
 * (local/ no longer loads CDK; the runner checks a definition once): refresh them from a quiet
 * run's --reporter=json.
 */
const measuredMs: Record<string, number> = {
  'test/integration/bench-harness.test.ts': 240_000,
  'test/workflow/triage-and-routing.test.ts': 155_000,
  'test/e2e/team-app.test.ts': 151_000,
  'test/integration/start-burst.test.ts': 103_000,
  'test/integration/soak.test.ts': 95_000,
  'test/infra/synth.test.ts': 95_000,
  'test/integration/timeline-and-report.test.ts': 77_000,
  'test/infra/cfn-lint.test.ts': 55_000,
  'test/integration/app-api.test.ts': 53_000,
  'test/workflow/crash-after-claim.test.ts': 51_000,
  'test/integration/report-digest.test.ts': 54_000,
  'test/infra/firewall.test.ts': 53_000,
  'test/integration/emulators.test.ts': 53_000,
  'test/infra/lead-config.test.ts': 50_000,
  'test/e2e/npm-start.test.ts': 45_000,
  'test/integration/email-links.test.ts': 44_000,
  'test/e2e/demo-form.test.ts': 43_000,
  'test/workflow/runner.test.ts': 42_000,
  'test/integration/intake.test.ts': 40_000,
  'test/integration/sender-events.test.ts': 39_000,
  'test/e2e/contact-page.test.ts': 38_000,
  'test/workflow/lead-sequence.test.ts': 37_000,
  'test/e2e/slack-stand-in.test.ts': 36_000,
  'test/integration/reconcile.test.ts': 34_000,
  'test/integration/forget.test.ts': 34_000,
  'test/infra/nag.test.ts': 34_000,
  'test/integration/hostile-input.test.ts': 30_000,
  'test/integration/slack-interactions.test.ts': 30_000,
  'test/unit/function-bundles.test.ts': 28_000,
  'test/infra/asl.test.ts': 26_000,
  'test/integration/crm-webhook.test.ts': 26_000,
  'test/infra/accountability.test.ts': 15_000,
  'test/integration/local-sqs.test.ts': 13_000,
  'test/infra/stack.test.ts': 13_000,
  'test/unit/sequence-span.test.ts': 11_000,
  'test/integration/team-store.test.ts': 9_000,
  'test/unit/business-hours.test.ts': 9_000,
};

/** A file nobody has timed yet: most of a project's files start a stack or a browser. */
const guessMs: Record<string, number> = { unit: 500, infra: 5_000, integration: 10_000, workflow: 15_000, e2e: 15_000 };

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const expected = (file: TestSpecification): number => {
      const path = relative(this.ctx.config.root, file.moduleId).split('\\').join('/');
      const cached = this.ctx.cache.getFileTestResults(`${file.project.name}:${path}`);
      return cached?.duration || measuredMs[path] || guessMs[file.project.name] || 5_000;
    };
    const ms = new Map(files.map((file) => [file, expected(file)]));
    return [...files].sort((a, b) => ms.get(b)! - ms.get(a)!);
  }
}

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
    // The longest files first, whatever their project, so both workers finish together.
    sequence: { sequencer: LongestFirst },
    projects: [
      // Unit files share their worker's modules instead of loading zod, fast-check and the domain
      // again for each of 47 files: 15 s of CPU for the project instead of 44 s (load 10-12), every
      // test passing in one worker and shuffled. So a unit test puts back what it changes (env, spies, timers).
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false } },
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
