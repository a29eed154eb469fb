import { SignatureInvalid } from '@domain/errors';
import type { SecretRead, SecretVersions } from '@domain/ports';

/**
 * Checks a request against a secret as this container holds it and, when it does not match,
 * once more against the secret read again: the sender may already use a value put after this
 * container last read it (a rotation). Reading again is rate-limited by the secret source, so
 * a flood of forged requests costs no more than one read per interval. Every CRM's and Slack's
 * check goes through here.
 */
export async function checkAgainstSecret(read: (options?: SecretRead) => Promise<SecretVersions>, check: (secrets: SecretVersions) => void): Promise<void> {
  try {
    check(await read());
  } catch (error) {
    if (!(error instanceof SignatureInvalid && error.reason === 'mismatch')) throw error;
    check(await read({ fresh: true }));
  }
}
