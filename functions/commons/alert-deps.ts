import type { SequenceDeps } from '@domain/lead-sequence';
import { sequenceDeps } from '@commons/sequence-deps';
import { slack } from '@commons/slack';
import { texts } from '@commons/texts';

/** What the team's alerts work with: the sequence's, and Slack (where CDK gave the bot token) and texts (where the stage names a sender). */
export const alertDeps = (): SequenceDeps => ({
  ...sequenceDeps(),
  ...(slack('alert') ? { slack: slack('alert')! } : {}),
  ...(texts() ? { texts: texts()! } : {}),
});
