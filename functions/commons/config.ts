import { roundRobinOver } from '@domain/routing';
import { readEnv, type Env } from '@commons/env';

let env: Env | undefined;

/** The function's configuration, read and validated once per cold start. */
export const config = (): Env => (env ??= readEnv());

/** Who the reps are and how leads reach them: the stage's routing, or every rep in turn. */
export const routingOf = () => config().ROUTING ?? roundRobinOver(config().REPS);
