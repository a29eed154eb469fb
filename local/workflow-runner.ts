import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { RunOptions, StateMachineDefinition } from 'aws-local-stepfunctions';
import { lambdaLogicalIdFromArn } from './template';

/**
 * Runs the CDK-synthesized state machine in-process with aws-local-stepfunctions, with the
 * bookkeeping Step Functions does around it (named executions, status, history, stop) and a
 * per-execution simulated clock so a 14-day sequence can pass in about a minute.
 */

// aws-local-stepfunctions@3 targets Node >= 22 and calls Promise.withResolvers inside Task
// states. It only needs it at run time (not while its module loads), so installing it here,
// before any execution starts, is early enough on Node 20.
type WithResolvers = <T>() => {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
};
if (typeof (Promise as PromiseConstructor & { withResolvers?: WithResolvers }).withResolvers !== 'function') {
  const withResolvers: WithResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  Object.defineProperty(Promise, 'withResolvers', { value: withResolvers, writable: true, configurable: true });
}

/**
 * `new StateMachine(definition)` checks the definition against the ASL schema (asl-validator),
 * compiling the schema anew each time: about a second of CPU for every stack and runner that
 * starts. The check depends only on the definition and the validator, so each definition is
 * checked once and remembered as valid: in this process, and for the processes after it in
 * `node_modules/.cache/speed-to-lead/asl-valid-<hash>` (the hash over the definition and the
 * lockfile, which names the library's and the validator's versions). An invalid definition is
 * never remembered, so it is refused every time.
 */
const validatedDefinitions = new Set<string>();
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const validCacheDir = join(repoRoot, 'node_modules', '.cache', 'speed-to-lead');
const lockfileHash = (() => {
  try {
    return createHash('sha256').update(readFileSync(join(repoRoot, 'package-lock.json'))).digest('hex');
  } catch {
    return 'no-lockfile';
  }
})();

function stateMachineOf(definition: StateMachineDefinition): StateMachine {
  const key = createHash('sha256').update(lockfileHash).update('\0').update(JSON.stringify(definition)).digest('hex').slice(0, 16);
  const marker = join(validCacheDir, `asl-valid-${key}`);
  if (validatedDefinitions.has(key) || existsSync(marker)) {
    validatedDefinitions.add(key);
    return new StateMachine(definition, { validationOptions: { noValidate: true } });
  }
  // Validated on a copy: the validator writes each state's default QueryLanguage into what it checks.
  new StateMachine(JSON.parse(JSON.stringify(definition)) as StateMachineDefinition);
  validatedDefinitions.add(key);
  try {
    mkdirSync(validCacheDir, { recursive: true });
    writeFileSync(marker, '');
  } catch {
    // Only a cache: the next process checks again.
  }
  return new StateMachine(definition, { validationOptions: { noValidate: true } });
}

/** One entry of the library's event log (the library does not export the type itself). */
export type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** What a local task handler learns about the call, like the `context` a Lambda receives. */
export interface TaskContext {
  executionArn: string;
  stateName: string;
  /** The execution's simulated clock (ms since epoch): inject it where the handler reads "now". */
  now(): number;
}

export type TaskHandler = (payload: unknown, context: TaskContext) => Promise<unknown>;

export interface LocalWorkflowOptions {
  /** From stateMachineDefinition(). */
  definition: object;
  /** e.g. arn:aws:states:us-east-1:000000000000:stateMachine:LeadWorkflow */
  stateMachineArn: string;
  /** Given the Lambda logical id found in a Task's Parameters.FunctionName, return the function to call with the task's Payload. */
  resolveTask: (lambdaLogicalId: string) => TaskHandler;
  /** Simulated seconds per real second for Wait states (1 = real time). */
  timeScale: number;
  /** If set, every Retry waits this many real ms instead of its IntervalSeconds/backoff (tests). */
  retryIntervalMs?: number;
  /**
   * Task invocations running at once, like a Lambda concurrency limit (default 32); the
   * others wait their turn. Thousands of leads due at the same instant then queue here, cheaply,
   * instead of all starting and timing out together in the SDK's socket queue.
   */
  maxConcurrentTasks?: number;
}

/** How many executions and task invocations there are now: cheap to ask, unlike list(). */
export interface RunnerCounts {
  executions: number;
  running: number;
  tasksRunning: number;
  tasksQueued: number;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionDescription {
  executionArn: string;
  name: string;
  stateMachineArn: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: Date;
  /** On the execution's simulated clock, like the timestamps its handlers see. */
  stopDate?: Date;
}

// Names match the Step Functions API errors, so the endpoint can pass them through as-is.
export class ExecutionAlreadyExists extends Error {
  override name = 'ExecutionAlreadyExists';
}
export class ExecutionDoesNotExist extends Error {
  override name = 'ExecutionDoesNotExist';
}
export class InvalidName extends Error {
  override name = 'InvalidName';
}
export class InvalidExecutionInput extends Error {
  override name = 'InvalidExecutionInput';
}

// Just the parts of ASL the runner inspects; the library validates the rest.
interface AslState {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Retry?: unknown[];
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  Branches?: AslMachine[];
  Iterator?: AslMachine;
  ItemProcessor?: AslMachine;
}
interface AslMachine {
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
}

/** A piece of simulated time: from real instant `real` on, sim = `sim` + elapsed real * `scale`. */
interface ClockSegment {
  real: number;
  sim: number;
  scale: number;
}

interface Execution {
  arn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
  history: History;
  clock: ClockSegment[];
  abort: () => void;
  /** Latest target of a Wait: handlers never see a "now" before it (see TaskContext.now). */
  waitFloor: number;
  /** Each Wait's planned end on the clock, by state name, moved to when it really ended. */
  waitEnds: Map<string, ClockSegment>;
  /** Simulated instant the execution times out (top-level TimeoutSeconds), if any. */
  deadline?: number;
  timeoutTimer?: NodeJS.Timeout;
  /** Resolves once the result has settled and the event log is drained. */
  done: Promise<void>;
  finished: boolean;
  /** History events so far, counted as Step Functions records them (see historyWeight). */
  historyEvents: number;
  /** The runner ended it (a timeout or a limit), and aborted the library's run to do so. */
  endedByRunner: boolean;
}

/**
 * An execution's events. Each carries the state's whole input or output, so a lead's 14-day
 * history is some 35 KB of JSON, mostly repeated: the events up to each Wait (where an
 * execution spends nearly all its life) and at the end are kept deflated, with the execution
 * input as the dictionary, about 1 KB a lead; only the events since the last Wait are objects.
 */
interface History {
  chunks: string[];
  tail: EventLog[];
}

type TaskKind = { kind: 'invoke' } | { kind: 'direct'; logicalId: string };

const NAME = /^[A-Za-z0-9_-]{1,80}$/;
const LAMBDA_INVOKE = /^arn:[^:]+:states:::lambda:invoke$/;
const STATE_MACHINE_ARN = /^arn:([^:]+):states:([^:]+):([^:]+):stateMachine:([^:]+)$/;
// setTimeout fires at once for delays above 2^31-1 ms (~24.8 days), so long timers are chained.
const MAX_TIMER_MS = 2 ** 31 - 1;
const DEFAULT_MAX_CONCURRENT_TASKS = 32;
// Step Functions gives a Task no timeout of its own unless the definition sets one (the
// function's timeout applies); the library would give it 60 s, which a task waiting for a
// slot could reach. The longest a timer can wait stands for "none".
const TASK_TIMEOUT_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/** The Step Functions quotas a workflow meets first, enforced here as there. */
export const stepFunctionsLimits = {
  /** Execution input, each state's input and output, a task's input and result (256 KB). */
  payloadBytes: 262_144,
  /** Events in one execution's history: the execution fails when it would record more. */
  historyEvents: 25_000,
};

export class LocalWorkflowRunner {
  readonly stateMachineArn: string;
  private readonly machine: StateMachine;
  private readonly waits = new Map<string, AslState>();
  private readonly tasks = new Map<string, TaskKind>();
  private readonly retryOverrides?: Record<string, number>;
  private readonly timeoutSeconds?: number;
  private readonly executions = new Map<string, Execution>();
  private readonly listeners = new Set<(executionArn: string, event: EventLog) => void>();
  /** Task calls under way or waiting for a slot: a stopped execution's step still finishes, like a Lambda would. */
  private readonly stepsRunning = new Set<Promise<unknown>>();
  /** Task invocations that may run at once (see LocalWorkflowOptions.maxConcurrentTasks). */
  readonly maxConcurrentTasks: number;
  private tasksRunning = 0;
  /** Task calls waiting for one of the maxConcurrentTasks slots, first come first served. */
  private readonly taskQueue: Array<() => void> = [];
  private running = 0;
  private timeScale: number;

  constructor(private readonly opts: LocalWorkflowOptions) {
    if (!STATE_MACHINE_ARN.test(opts.stateMachineArn)) {
      throw new Error(`Not a state machine ARN: ${opts.stateMachineArn}`);
    }
    this.stateMachineArn = opts.stateMachineArn;
    this.timeScale = checkScale(opts.timeScale);
    this.maxConcurrentTasks = opts.maxConcurrentTasks ?? DEFAULT_MAX_CONCURRENT_TASKS;
    if (!Number.isInteger(this.maxConcurrentTasks) || this.maxConcurrentTasks < 1) throw new Error(`maxConcurrentTasks must be a whole number >= 1, got ${opts.maxConcurrentTasks}`);

    // A copy: the Task timeouts below are the runner's business, not the caller's object.
    const { TimeoutSeconds, ...rest } = JSON.parse(JSON.stringify(opts.definition)) as AslMachine;
    const retryStates: string[] = [];
    for (const [name, state] of allStates(rest)) {
      if (state.Type === 'Wait') this.waits.set(name, state);
      if (state.Type === 'Task') {
        this.tasks.set(name, taskKind(name, state.Resource));
        // A Task's own TimeoutSeconds is the library's to enforce, on the real clock a task runs
        // on; only one beyond what a timer can wait is clamped (it would fire at once).
        if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) state.TimeoutSeconds = TASK_TIMEOUT_SECONDS;
        else if (state.TimeoutSeconds !== undefined && state.TimeoutSeconds > TASK_TIMEOUT_SECONDS) state.TimeoutSeconds = TASK_TIMEOUT_SECONDS;
      }
      if (state.Retry?.length) retryStates.push(name);
    }
    if (opts.retryIntervalMs !== undefined) {
      this.retryOverrides = Object.fromEntries(retryStates.map((name) => [name, opts.retryIntervalMs!]));
    }
    // The library would enforce TimeoutSeconds with one real-time setTimeout, which is wrong
    // under a time scale and fires at once beyond ~24.8 days; we enforce it on the simulated
    // clock instead and hand the library the definition without it.
    this.timeoutSeconds = TimeoutSeconds;
    this.machine = stateMachineOf(rest as StateMachineDefinition);
  }

  /**
   * Like StartExecution. `simulatedStart` sets where the execution's simulated clock begins
   * (default: now): a lead resumed after a restart continues from the time it had reached,
   * instead of living its sequence again from the top on a clock that restarted.
   */
  start(name: string, input: unknown, opts: { simulatedStart?: number } = {}): { executionArn: string; startDate: Date } {
    if (!NAME.test(name)) throw new InvalidName(`Invalid execution name: ${JSON.stringify(name)}`);
    const inputText = JSON.stringify(input === undefined ? {} : input);
    if (inputText === undefined) throw new InvalidExecutionInput('Execution input must be JSON');
    if (overLimit(inputText)) throw new InvalidExecutionInput(`Execution input of ${Buffer.byteLength(inputText)} bytes exceeds the maximum of ${stepFunctionsLimits.payloadBytes} bytes`);
    const executionArn = this.executionArnFor(name);

    // Step Functions makes StartExecution idempotent for a running execution with the same
    // name and input; any other reuse of a name (even after it finished) is an error.
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === inputText) {
        return { executionArn, startDate: existing.startDate };
      }
      throw new ExecutionAlreadyExists(`Execution already exists: '${executionArn}'`);
    }

    const startReal = Date.now();
    const startSim = opts.simulatedStart ?? startReal;
    if (!Number.isFinite(startSim)) throw new Error(`simulatedStart must be a time in ms, got ${opts.simulatedStart}`);
    const exec: Execution = {
      arn: executionArn,
      name,
      input: inputText,
      status: 'RUNNING',
      startDate: new Date(startReal),
      history: { chunks: [], tail: [] },
      clock: [{ real: startReal, sim: startSim, scale: 1 }],
      waitFloor: -Infinity,
      waitEnds: new Map(),
      abort: () => {},
      done: Promise.resolve(),
      finished: false,
      historyEvents: 0,
      endedByRunner: false,
    };
    const { smName } = this.arnParts();
    const run = this.machine.run(JSON.parse(inputText), {
      overrides: this.overridesFor(exec),
      // What `$$.Execution.*` / `$$.StateMachine.*` resolve to (StartTime is always the library's).
      context: {
        Execution: { Id: executionArn, Name: name },
        StateMachine: { Id: this.stateMachineArn, Name: smName },
      },
    });
    exec.abort = run.abort;
    this.executions.set(executionArn, exec);
    this.running++;

    const settled = run.result.then(
      (output) => this.finish(exec, 'SUCCEEDED', { output: JSON.stringify(output ?? null) }),
      (err: unknown) => this.finish(exec, 'FAILED', failureOf(err)),
    ).catch((err: unknown) => console.error(`[workflow] could not record the end of ${executionArn}`, err));
    const drained = (async () => {
      for await (const event of run.eventLogs) this.record(exec, event);
    })().catch((err: unknown) => console.error(`[workflow] event log of ${executionArn} failed`, err));
    exec.done = Promise.all([settled, drained]).then(() => {
      compact(exec);
      exec.finished = true;
    });

    if (this.timeoutSeconds !== undefined) {
      exec.deadline = startSim + this.timeoutSeconds * 1000;
      this.armTimeout(exec);
    }
    return { executionArn, startDate: exec.startDate };
  }

  describe(executionArn: string): ExecutionDescription {
    return this.describeExec(this.get(executionArn));
  }

  list(): ExecutionDescription[] {
    return [...this.executions.values()].map((exec) => this.describeExec(exec));
  }

  /** Like StopExecution: a no-op for an execution that already finished. */
  stop(executionArn: string, error?: string, cause?: string): void {
    const exec = this.get(executionArn);
    if (exec.status !== 'RUNNING') return;
    this.close(exec, 'ABORTED', { error, cause });
    exec.abort();
  }

  history(executionArn: string): EventLog[] {
    const exec = this.get(executionArn);
    const dictionary = Buffer.from(exec.input);
    const kept = exec.history.chunks.flatMap((chunk) => JSON.parse(inflateRawSync(Buffer.from(chunk, 'latin1'), { dictionary }).toString('utf8')) as EventLog[]);
    return [...kept, ...exec.history.tail];
  }

  counts(): RunnerCounts {
    return { executions: this.executions.size, running: this.running, tasksRunning: this.tasksRunning, tasksQueued: this.taskQueue.length };
  }

  async waitFor(executionArn: string): Promise<ExecutionDescription> {
    const exec = this.get(executionArn);
    await exec.done;
    return this.describeExec(exec);
  }

  async idle(): Promise<void> {
    // Loop: an execution may be started while we wait for the others.
    for (;;) {
      const pending = [...this.executions.values()].filter((exec) => !exec.finished);
      if (pending.length === 0 && this.stepsRunning.size === 0) return;
      await Promise.all([...pending.map((exec) => exec.done), ...[...this.stepsRunning].map((step) => step.catch(() => undefined))]);
    }
  }

  /** Scales the waits that start from now on; waits already sleeping keep their real duration. */
  setTimeScale(scale: number): void {
    this.timeScale = checkScale(scale);
    for (const exec of this.executions.values()) this.armTimeout(exec);
  }

  onEvent(listener: (executionArn: string, event: EventLog) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Simulated "now" of one execution (ms since epoch), or the simulated time of a past real instant. */
  simulatedNow(executionArn: string, atRealMs: number = Date.now()): number {
    return simAt(this.get(executionArn), atRealMs);
  }

  private get(executionArn: string): Execution {
    const exec = this.executions.get(executionArn);
    if (!exec) throw new ExecutionDoesNotExist(`Execution does not exist: '${executionArn}'`);
    return exec;
  }

  private arnParts(): { prefix: string; smName: string } {
    const [, partition, region, account, smName] = STATE_MACHINE_ARN.exec(this.stateMachineArn)!;
    return { prefix: `arn:${partition}:states:${region}:${account}`, smName: smName! };
  }

  private executionArnFor(name: string): string {
    const { prefix, smName } = this.arnParts();
    return `${prefix}:execution:${smName}:${name}`;
  }

  private describeExec(exec: Execution): ExecutionDescription {
    const { arn, name, status, input, output, error, cause, startDate, stopDate } = exec;
    const description: ExecutionDescription = {
      executionArn: arn,
      name,
      stateMachineArn: this.stateMachineArn,
      status,
      input,
      startDate,
    };
    // Only the fields that are set, like the API (and so `toEqual` in tests stays simple).
    if (output !== undefined) description.output = output;
    if (error !== undefined) description.error = error;
    if (cause !== undefined) description.cause = cause;
    if (stopDate !== undefined) description.stopDate = stopDate;
    return description;
  }

  private overridesFor(exec: Execution): NonNullable<RunOptions['overrides']> {
    // The library reads taskResourceLocalHandlers[stateName] when a Task starts and
    // waitTimeOverrides[stateName] when a Wait starts, so getters build each when it is
    // needed (and a wait is computed then, from the simulated clock and the current time
    // scale) rather than a closure per state for every execution in flight.
    const handlers = new Proxy({} as Record<string, (input: unknown) => Promise<unknown>>, {
      get: (_target, prop) => {
        const task = typeof prop === 'string' ? this.tasks.get(prop) : undefined;
        return task ? (input: unknown) => this.runTask(exec, prop as string, task, input) : undefined;
      },
    });
    const waitTimeOverrides = new Proxy({} as Record<string, number>, {
      get: (_target, prop) => (typeof prop === 'string' && this.waits.has(prop) ? this.waitMs(exec, prop) : undefined),
    });
    return {
      taskResourceLocalHandlers: handlers as NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers'],
      waitTimeOverrides,
      ...(this.retryOverrides ? { retryIntervalOverrides: this.retryOverrides } : {}),
    };
  }

  private async runTask(exec: Execution, stateName: string, task: TaskKind, input: unknown): Promise<unknown> {
    // A timer may fire a real millisecond or two early by Date.now() (libuv measures from
    // its cached loop time), which a large time scale turns into minutes; a task that runs
    // after a Wait must still see a time at or after the Wait's target.
    const context: TaskContext = { executionArn: exec.arn, stateName, now: () => Math.max(simAt(exec), exec.waitFloor) };
    if (task.kind === 'direct') return this.invoke(exec, task.logicalId, input, context);
    // lambda:invoke: the input is the state's Parameters, i.e. {FunctionName, Payload}.
    const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
    const fn = String(FunctionName);
    const result = await this.invoke(exec, lambdaLogicalIdFromArn(fn) ?? fn, Payload, context);
    // The service integration's response shape, so ResultSelector ($.Payload) works unchanged.
    return { StatusCode: 200, Payload: result, ExecutedVersion: '$LATEST' };
  }

  /** Calls the local handler the way Lambda would: JSON in, JSON out, errors as errorType/errorMessage. */
  private async invoke(exec: Execution, logicalId: string, payload: unknown, context: TaskContext): Promise<unknown> {
    const step = this.withTaskSlot(async () => {
      // Stopped or timed out while it waited for a slot: it was never invoked, so it never runs
      // (a step already running when its execution stops still finishes).
      if (exec.status !== 'RUNNING') throw Object.assign(new Error(`${exec.arn} stopped before this step ran`), { name: 'ExecutionStopped' });
      return this.opts.resolveTask(logicalId)(this.withinLimit(exec, context.stateName, payload, 'was given an input'), context);
    });
    this.stepsRunning.add(step);
    void step.catch(() => undefined).finally(() => this.stepsRunning.delete(step));
    let result: unknown;
    try {
      result = await step;
    } catch (err) {
      throw lambdaError(err);
    }
    return result === undefined ? null : this.withinLimit(exec, context.stateName, result, 'returned a result');
  }

  /**
   * A copy of a task's input or result, through the JSON the runner makes anyway; over the
   * payload limit the execution fails with States.DataLimitExceeded, which no Catch catches.
   */
  private withinLimit(exec: Execution, stateName: string, value: unknown, what: string): unknown {
    if (value === undefined) return undefined;
    const text = JSON.stringify(value);
    if (overLimit(text)) this.failDataLimit(exec, `The state/task '${stateName}' ${what} with a size exceeding the maximum number of bytes service limit.`);
    return JSON.parse(text) as unknown;
  }

  /** Ends the execution as Step Functions does past a quota: FAILED, whatever Catch the state has. */
  private failWith(exec: Execution, error: string, cause: string): void {
    if (exec.status !== 'RUNNING') return;
    this.close(exec, 'FAILED', { error, cause });
    this.record(exec, { type: 'ExecutionFailed', timestamp: Date.now(), Error: error, Cause: cause } as EventLog);
    exec.endedByRunner = true;
    exec.abort();
  }

  private failDataLimit(exec: Execution, cause: string): never {
    this.failWith(exec, 'States.DataLimitExceeded', cause);
    throw Object.assign(new Error(cause), { name: 'States.DataLimitExceeded' });
  }

  /** Runs `call` once fewer than maxConcurrentTasks calls are running; the handler's own clock (its Lambda context) starts then. */
  private async withTaskSlot<T>(call: () => Promise<T>): Promise<T> {
    if (this.tasksRunning < this.maxConcurrentTasks) this.tasksRunning++;
    // A call that finishes hands its slot straight to the first one waiting.
    else await new Promise<void>((resolve) => this.taskQueue.push(resolve));
    try {
      return await call();
    } finally {
      const next = this.taskQueue.shift();
      if (next) next();
      else this.tasksRunning--;
    }
  }

  /** Real milliseconds to sleep in a Wait state, from the execution's simulated clock. */
  private waitMs(exec: Execution, stateName: string): number {
    const state = this.waits.get(stateName)!;
    const now = simAt(exec);
    // Paths are read from the execution input (where our workflow keeps its schedule): the
    // library does not tell us the Wait state's own input.
    const doc = () => ({ input: JSON.parse(exec.input) as unknown, context: { Execution: { Id: exec.arn, Name: exec.name, Input: JSON.parse(exec.input) as unknown } } });
    let target: number;
    if (state.Seconds !== undefined) {
      target = now + state.Seconds * 1000;
    } else if (state.SecondsPath !== undefined) {
      const seconds = readPath(state.SecondsPath, doc());
      if (typeof seconds !== 'number' || seconds < 0) throw statesRuntime(`${stateName}: SecondsPath ${state.SecondsPath} is not a number >= 0`);
      target = now + seconds * 1000;
    } else {
      const text = state.Timestamp ?? readPath(state.TimestampPath ?? '$', doc());
      const at = typeof text === 'string' ? Date.parse(text) : NaN;
      if (Number.isNaN(at)) throw statesRuntime(`${stateName}: ${state.TimestampPath ?? 'Timestamp'} is not a timestamp`);
      target = at;
    }
    exec.waitFloor = Math.max(exec.waitFloor, target);
    const scale = this.timeScale;
    const ms = target <= now ? 0 : Math.ceil((target - now) / scale);
    // Only waits are compressed: a step takes its real time, as it would in AWS, so a slow
    // first step does not push a lead's 5-minute alert to an hour.
    const real = Date.now();
    const end = { real: real + ms, sim: now + ms * scale, scale: 1 };
    exec.clock.push({ real, sim: now, scale }, end);
    exec.waitEnds.set(stateName, end);
    return ms;
  }

  private armTimeout(exec: Execution): void {
    clearTimeout(exec.timeoutTimer);
    if (exec.deadline === undefined || exec.status !== 'RUNNING') return;
    // At the fastest the clock can run; the timer re-arms until the deadline has passed.
    const ms = Math.max(0, (exec.deadline - simAt(exec)) / this.timeScale);
    exec.timeoutTimer = setTimeout(() => {
      if (exec.deadline !== undefined && simAt(exec) < exec.deadline) return this.armTimeout(exec);
      if (exec.status !== 'RUNNING') return;
      this.close(exec, 'TIMED_OUT', { error: 'States.Timeout', cause: 'The execution exceeded its TimeoutSeconds' });
      // The timer lands within a real ms or so, which a large scale would turn into minutes.
      exec.stopDate = new Date(exec.deadline ?? simAt(exec));
      this.record(exec, { type: 'ExecutionTimeout', timestamp: Date.now() });
      exec.endedByRunner = true;
      exec.abort();
    }, Math.min(ms, MAX_TIMER_MS));
    exec.timeoutTimer.unref?.();
  }

  private finish(exec: Execution, status: ExecutionStatus, fields: Partial<Execution>): void {
    // Already closed by stop() or the timeout: the library's abort error is expected then.
    if (exec.status !== 'RUNNING') return;
    this.close(exec, status, fields);
  }

  private close(exec: Execution, status: ExecutionStatus, fields: Partial<Execution>): void {
    clearTimeout(exec.timeoutTimer);
    this.running--;
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) (exec as unknown as Record<string, unknown>)[key] = value;
    }
    exec.status = status;
    exec.stopDate = new Date(simAt(exec));
  }

  private record(exec: Execution, event: EventLog): void {
    // Once the runner has ended the execution (a timeout, a limit), what the run it aborted
    // still reports is not history.
    if (exec.endedByRunner) return;
    // A timer can fire a real millisecond before its planned end, which a large scale turns
    // into minutes: the wait's end on the clock is when it really ended, so the states after
    // it are never placed before the time it waited for.
    const end = event.type === 'StateExited' && event.state.type === 'Wait' ? exec.waitEnds.get(event.state.name) : undefined;
    if (end && event.timestamp < end.real) end.real = event.timestamp;
    exec.history.tail.push(event);
    for (const listener of this.listeners) {
      try {
        listener(exec.arn, event);
      } catch (err) {
        console.error('[workflow] onEvent listener failed', err);
      }
    }
    // An execution spends its life in Waits: its events so far are kept deflated meanwhile.
    if (event.type === 'StateEntered' && event.state.type === 'Wait') compact(exec);
    if (exec.status !== 'RUNNING') return;
    exec.historyEvents += historyWeight(event);
    if (exec.historyEvents >= stepFunctionsLimits.historyEvents) {
      this.failWith(exec, 'States.Runtime', `The execution reached the maximum of ${stepFunctionsLimits.historyEvents} events in its history`);
    } else if (event.type === 'StateExited' && DATA_STATES.has(event.state.type) && overLimit(JSON.stringify(event.state.output ?? null))) {
      // A state's output must fit the payload limit too; only states that make new data can grow it.
      this.failWith(exec, 'States.DataLimitExceeded', `The state/task '${event.state.name}' returned a result with a size exceeding the maximum number of bytes service limit.`);
    }
  }
}

/** States whose output can differ from their input (the others pass their input on). */
const DATA_STATES = new Set(['Task', 'Pass', 'Map', 'Parallel']);

/** Whether JSON text is over Step Functions' payload limit, in UTF-8 bytes (measured only when it could be). */
function overLimit(text: string): boolean {
  return text.length * 3 > stepFunctionsLimits.payloadBytes && Buffer.byteLength(text) > stepFunctionsLimits.payloadBytes;
}

/**
 * How many events Step Functions records for one of the library's: a Task's entry stands
 * for TaskStateEntered, TaskScheduled, TaskStarted and the attempt's TaskSucceeded or
 * TaskFailed, and each retry for another three; retries and catches are not events of their own.
 */
function historyWeight(event: EventLog): number {
  if (event.type === 'StateEntered') return event.state.type === 'Task' ? 4 : 1;
  if (event.type === 'StateRetried') return event.state.type === 'Task' ? 3 : 0;
  if (event.type === 'StateCaught' || event.type === 'StateFailed') return 0;
  return 1;
}

/** Deflates the events recorded since the last compaction into one chunk of the history. */
function compact(exec: Execution): void {
  const { tail } = exec.history;
  if (tail.length === 0) return;
  // A string of the bytes, not the Buffer: zlib returns a view of a 16 KB block per chunk.
  exec.history.chunks.push(deflateRawSync(JSON.stringify(tail), { dictionary: Buffer.from(exec.input), level: 1 }).toString('latin1'));
  exec.history.tail = [];
}

function* allStates(machine: AslMachine): Generator<[string, AslState]> {
  for (const [name, state] of Object.entries(machine.States)) {
    yield [name, state];
    for (const branch of state.Branches ?? []) yield* allStates(branch);
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) yield* allStates(inner);
  }
}

function taskKind(stateName: string, resource: string | undefined): TaskKind {
  if (resource !== undefined && LAMBDA_INVOKE.test(resource)) return { kind: 'invoke' };
  const logicalId = resource === undefined ? undefined : lambdaLogicalIdFromArn(resource);
  if (logicalId) return { kind: 'direct', logicalId };
  // .waitForTaskToken, .sync and other services have no local handler: refuse up front
  // instead of letting the library try to call real AWS.
  throw new Error(`Task ${stateName}: resource ${resource} is not supported locally (only Lambda)`);
}

function simAt(exec: Execution, real: number = Date.now()): number {
  let segment = exec.clock[0]!;
  for (const candidate of exec.clock) if (candidate.real <= real) segment = candidate;
  return segment.sim + (real - segment.real) * segment.scale;
}

function checkScale(scale: number): number {
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`timeScale must be a positive number, got ${scale}`);
  return scale;
}


/**
 * What the lambda:invoke integration reports for a function error: Error is the function's
 * errorType (so Retry/Catch match the thrown error's name) and Cause the Lambda error JSON.
 */
function lambdaError(err: unknown): Error {
  // The Node.js runtime reports a thrown non-Error by its typeof (`throw 'x'` -> errorType "string").
  const document =
    err instanceof Error
      ? { errorType: err.name, errorMessage: err.message, ...(err.stack ? { trace: err.stack.split('\n') } : {}) }
      : { errorType: typeof err, errorMessage: String(err), trace: [] };
  const wrapped = new Error(JSON.stringify(document));
  wrapped.name = document.errorType;
  return wrapped;
}

function statesRuntime(message: string): Error {
  const err = new Error(message);
  err.name = 'States.Runtime';
  return err;
}

/** Error and Cause of a failed execution; the library wraps the state's error in ExecutionError. */
function failureOf(err: unknown): { error: string; cause?: string } {
  const inner = err instanceof ExecutionError && err.cause instanceof Error ? err.cause : err;
  if (!(inner instanceof Error)) return { error: 'Error', cause: String(inner) };
  const cause = inner.cause ?? inner.message;
  return { error: inner.name, cause: typeof cause === 'string' ? cause : JSON.stringify(cause) };
}

/**
 * Evaluates a plain JSONPath (`$.a.b`, `$.a[0].b`, `$['a']`, `$$.Execution.Input.x`): enough
 * for Wait paths, without pulling in a JSONPath engine.
 */
export function readPath(path: string, doc: { input: unknown; context?: unknown }): unknown {
  let value: unknown = path.startsWith('$$') ? doc.context : doc.input;
  const rest = path.startsWith('$$') ? path.slice(2) : path.startsWith('$') ? path.slice(1) : null;
  if (rest === null) throw statesRuntime(`Unsupported path ${path}`);
  const step = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  let at = 0;
  while (at < rest.length) {
    step.lastIndex = at;
    const match = step.exec(rest);
    if (!match) throw statesRuntime(`Unsupported path ${path}`);
    at = step.lastIndex;
    const key = match[1] ?? match[3] ?? match[4] ?? Number(match[2]);
    if (value === null || typeof value !== 'object' || !(key in value)) {
      throw statesRuntime(`Path ${path} not found in the execution input`);
    }
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}
