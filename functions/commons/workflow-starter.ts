import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnWorkflowStarter } from '@adapters/sfn-workflow-starter';
import type { WorkflowStarter } from '@domain/ports';
import { config } from '@commons/config';
import { tracer } from '@commons/tracer';

let starter: WorkflowStarter | undefined;

/**
 * One Step Functions client per container. The SDK's standard retries (3 attempts, backing off
 * on ThrottlingException) stay on: a start that outlives them is queued, not lost.
 */
export function workflowStarter(): WorkflowStarter {
  starter ??= new SfnWorkflowStarter(tracer.captureAWSv3Client(new SFNClient({})), config().STATE_MACHINE_ARN ?? '');
  return starter;
}
