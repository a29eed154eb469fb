import * as z from '@domain/zod';
import { ValidationError } from '@domain/errors';

/**
 * Parses input with a schema, or throws a ValidationError whose issues are the contract's
 * `{path, message}` list, e.g. `{path: "email", message: "is required"}`.
 */
export function parseWith<T>(schema: z.core.$ZodType<T>, input: unknown): T {
  const result = z.safeParse(schema, input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', message: issue.message }));
  throw new ValidationError(`Invalid ${issues.map((i) => i.path).join(', ')}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
}
