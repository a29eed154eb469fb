import { randomUUID } from 'node:crypto';
import { AwsJsonError, epochSeconds, requireString, startAwsJsonEndpoint } from './aws-json-endpoint';
import type { RunningEndpoint } from './aws-json-endpoint';
import type { EventLog, ExecutionDescription, LocalWorkflowRunner } from './workflow-runner';

/**
 * The slice of the Step Functions API the handlers and tooling use, served from the local
 * runner: point `AWS_ENDPOINT_URL_SFN` at `url` and the real SFNClient works unchanged.
 */

// The runner's errors already carry the API's error names.
const RUNNER_ERRORS = new Set(['ExecutionAlreadyExists', 'ExecutionDoesNotExist', 'InvalidName', 'InvalidExecutionInput']);

/**
 * Step Functions' StartExecution quota: a token bucket per account and region (800 tokens,
 * refilled at 150/s in most regions; 1,300 and 300/s in the largest). A call with no token
 * left is refused with ThrottlingException (HTTP 400), which the SDK retries with backoff.
 */
export interface StartQuota {
  capacity: number;
  refillPerSecond: number;
}

export const defaultStartQuota: StartQuota = { capacity: 800, refillPerSecond: 150 };

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly quota: StartQuota,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(quota.capacity >= 1) || !(quota.refillPerSecond >= 0)) throw new Error(`A start quota needs capacity >= 1 and refillPerSecond >= 0, got ${JSON.stringify(quota)}`);
    this.tokens = quota.capacity;
    this.refilledAt = this.now();
  }

  /** Spends a token if there is one. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.quota.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.quota.refillPerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface RunningSfnEndpoint extends RunningEndpoint {
  /** StartExecution calls refused by the quota so far (each SDK retry counts). */
  readonly throttledStarts: number;
}

export async function startSfnEndpoint(
  runner: LocalWorkflowRunner,
  opts: { port?: number; host?: string; startQuota?: StartQuota } = {},
): Promise<RunningSfnEndpoint> {
  const checkStateMachine = (arn: string) => {
    if (arn !== runner.stateMachineArn) throw new AwsJsonError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  };
  const startQuota = new TokenBucket(opts.startQuota ?? defaultStartQuota);
  let throttledStarts = 0;

  const endpoint = await startAwsJsonEndpoint({
    targetPrefix: 'AWSStepFunctions',
    jsonVersion: '1.0',
    port: opts.port,
    host: opts.host,
    clientErrors: RUNNER_ERRORS,
    operations: {
      StartExecution: (body) => {
        if (!startQuota.take()) {
          throttledStarts += 1;
          throw new AwsJsonError('ThrottlingException', 'Rate exceeded');
        }
        checkStateMachine(requireString(body, 'stateMachineArn'));
        // The API generates a name when none is given.
        const name = typeof body.name === 'string' ? body.name : randomUUID();
        const { executionArn, startDate } = runner.start(name, parseInput(body.input));
        return { executionArn, startDate: epochSeconds(startDate) };
      },

      DescribeExecution: (body) => toApiExecution(runner.describe(requireString(body, 'executionArn'))),

      StopExecution: (body) => {
        const executionArn = requireString(body, 'executionArn');
        runner.stop(executionArn, optionalString(body.error), optionalString(body.cause));
        return { stopDate: epochSeconds(runner.describe(executionArn).stopDate ?? new Date()) };
      },

      ListExecutions: (body) => {
        checkStateMachine(requireString(body, 'stateMachineArn'));
        const status = optionalString(body.statusFilter);
        const executions = runner
          .list()
          .filter((execution) => status === undefined || execution.status === status)
          // Newest first, as the API lists them.
          .sort((a, b) => b.startDate.getTime() - a.startDate.getTime())
          .map(({ executionArn, stateMachineArn, name, status, startDate, stopDate }) => ({
            executionArn,
            stateMachineArn,
            name,
            status,
            startDate: epochSeconds(startDate),
            ...(stopDate ? { stopDate: epochSeconds(stopDate) } : {}),
          }));
        return paginate('executions', executions, body);
      },

      GetExecutionHistory: (body) => {
        const executionArn = requireString(body, 'executionArn');
        const includeData = body.includeExecutionData !== false;
        const events = runner.history(executionArn).flatMap((event) => {
          const mapped = toHistoryEvent(event, includeData, runner.describe(executionArn));
          return mapped ? [{ ...mapped, timestamp: epochSeconds(runner.simulatedNow(executionArn, event.timestamp)) }] : [];
        });
        const numbered = events.map((event, i) => ({ id: i + 1, previousEventId: i, ...event }));
        if (body.reverseOrder === true) numbered.reverse();
        return paginate('events', numbered, body);
      },
    },
  });
  return {
    ...endpoint,
    get throttledStarts() {
      return throttledStarts;
    },
  };
}

function toApiExecution(execution: ExecutionDescription): Record<string, unknown> {
  const { startDate, stopDate, output, ...rest } = execution;
  return {
    ...rest,
    startDate: epochSeconds(startDate),
    ...(stopDate ? { stopDate: epochSeconds(stopDate) } : {}),
    inputDetails: { included: true },
    ...(output !== undefined ? { output, outputDetails: { included: true } } : {}),
  };
}

function parseInput(input: unknown): unknown {
  if (input === undefined) return {};
  if (typeof input !== 'string') throw new AwsJsonError('InvalidExecutionInput', 'input must be a JSON string');
  try {
    return JSON.parse(input) as unknown;
  } catch {
    throw new AwsJsonError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not valid JSON');
  }
}

const optionalString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** `maxResults` / `nextToken` paging; the token is just the offset. */
function paginate<T>(key: string, items: T[], body: Record<string, unknown>): Record<string, unknown> {
  const start = typeof body.nextToken === 'string' ? Number(body.nextToken) : 0;
  if (!Number.isInteger(start) || start < 0) throw new AwsJsonError('InvalidToken', 'Invalid nextToken');
  const size = typeof body.maxResults === 'number' && body.maxResults > 0 ? Math.min(body.maxResults, 1000) : 100;
  const page = items.slice(start, start + size);
  return { [key]: page, ...(start + size < items.length ? { nextToken: String(start + size) } : {}) };
}

/**
 * Best-effort translation of the library's event log to Step Functions history events. Events
 * with no counterpart in the API (retries, catches, parallel branches) are left out.
 */
function toHistoryEvent(event: EventLog, includeData: boolean, execution: ExecutionDescription): Record<string, unknown> | undefined {
  switch (event.type) {
    case 'ExecutionStarted':
      return { type: 'ExecutionStarted', executionStartedEventDetails: withData('input', event.input, includeData) };
    case 'ExecutionSucceeded':
      return { type: 'ExecutionSucceeded', executionSucceededEventDetails: withData('output', event.output, includeData) };
    case 'ExecutionFailed':
      return { type: 'ExecutionFailed', executionFailedEventDetails: errorDetails(event.Error, event.Cause) };
    case 'ExecutionAborted':
      return { type: 'ExecutionAborted', executionAbortedEventDetails: errorDetails(execution.error, execution.cause) };
    case 'ExecutionTimeout':
      return { type: 'ExecutionTimedOut', executionTimedOutEventDetails: errorDetails(execution.error, execution.cause) };
    case 'StateEntered':
      return {
        type: `${event.state.type}StateEntered`,
        stateEnteredEventDetails: { name: event.state.name, ...withData('input', event.state.input, includeData) },
      };
    case 'StateExited':
      return {
        type: `${event.state.type}StateExited`,
        stateExitedEventDetails: { name: event.state.name, ...withData('output', event.state.output, includeData) },
      };
    case 'StateFailed':
      if (event.state.type === 'Task') {
        return { type: 'TaskFailed', taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', ...errorDetails(event.Error, event.Cause) } };
      }
      if (event.state.type === 'Map' || event.state.type === 'Parallel') {
        return { type: `${event.state.type}StateFailed` };
      }
      return undefined;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed': {
      const key = `${event.type[0]!.toLowerCase()}${event.type.slice(1)}EventDetails`;
      return { type: event.type, [key]: { name: event.parentState.name, index: event.index } };
    }
    default:
      return undefined;
  }
}

function withData(key: 'input' | 'output', value: unknown, includeData: boolean): Record<string, unknown> {
  return includeData ? { [key]: JSON.stringify(value ?? null), [`${key}Details`]: { truncated: false } } : {};
}

function errorDetails(error: unknown, cause: unknown): Record<string, string> {
  return {
    ...(error !== undefined ? { error: String(error) } : {}),
    ...(cause !== undefined ? { cause: typeof cause === 'string' ? cause : JSON.stringify(cause) } : {}),
  };
}
