import { readEnv, type Env } from '@commons/env';

let env: Env | undefined;

/** The function's configuration, read and validated once per cold start. */
export const config = (): Env => (env ??= readEnv());
