import type { AlertContact } from '@domain/rep';
import type { SlackNotifier, SlackUserDirectory } from '@domain/ports';

/** What finding a person in Slack needs: the API and where found ids are kept. */
export interface SlackPeopleDeps {
  slack: Pick<SlackNotifier, 'userIdByEmail'>;
  directory: SlackUserDirectory;
}

/**
 * A person's Slack member id: the one the stage config names, else the one found before, else
 * looked up by their email now and kept (so a team of five costs five lookups, ever).
 * Undefined when the workspace has nobody with that email.
 */
export async function slackUserIdOf(deps: SlackPeopleDeps, person: Pick<AlertContact, 'email' | 'slackUserId'>): Promise<string | undefined> {
  if (person.slackUserId) return person.slackUserId;
  const email = person.email.toLowerCase();
  const kept = await deps.directory.keptSlackUserId(email);
  if (kept) return kept;
  const found = await deps.slack.userIdByEmail(email);
  if (found) await deps.directory.keepSlackUserId(email, found);
  return found;
}

/** Whether this person's alerts go to Slack, and whether email goes too. */
export const alertChannelsOf = (person: Pick<AlertContact, 'alerts'>) => ({ slack: person.alerts === 'slack' || person.alerts === 'both', email: person.alerts !== 'slack' });
