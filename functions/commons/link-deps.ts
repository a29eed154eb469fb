import { systemClock } from '@domain/clock';
import type { RepResponseDeps } from '@domain/rep-response';
import { config } from '@commons/config';
import { leadStore } from '@commons/lead-store';
import { signingSecrets } from '@commons/secrets';

/** What the endpoints behind signed email links (and the CRM webhook) work with. */
export const linkDeps = (): RepResponseDeps => ({ store: leadStore(), secrets: signingSecrets(), clock: systemClock, reps: config().REPS });
