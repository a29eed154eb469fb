import { config } from 'zod/mini';
import { en } from 'zod/locales';

/**
 * zod for the functions: `zod/mini` with zod's English messages. Full `zod` cannot be tree-shaken
 * (its methods hang off every schema), so it put about 440 KB and 25-30 ms of start-up into every
 * bundle; mini's functions keep only what the schemas use (about 33 KB). Mini loads no locale
 * of its own: without this, every message a schema does not set would read "Invalid input".
 * Import it as `import * as z from '@domain/zod'`.
 */
config(en());

export * from 'zod/mini';
