import { systemClock } from '@domain/clock';
import type { RepResponseDeps } from '@domain/rep-response';
import { leadStore } from '@commons/lead-store';
import { linkSecrets } from '@commons/secrets';

/** What the endpoints behind signed email links work with. */
export const linkDeps = (): RepResponseDeps => ({ store: leadStore(), secrets: linkSecrets(), clock: systemClock });
