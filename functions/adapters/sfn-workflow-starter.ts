import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { TransientError } from '@domain/errors';
import type { WorkflowStarter } from '@domain/ports';

/** A lead's execution of the workflow: named after the lead, so its ARN is known before it starts. */
export const executionArnOf = (stateMachineArn: string, leadId: string): string => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${leadId}`;

/** Starts the lead workflow, named after the lead so that a second start is never a second run. */
export class SfnWorkflowStarter implements WorkflowStarter {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  executionArnOf(leadId: string): string {
    return executionArnOf(this.stateMachineArn, leadId);
  }

  async start(leadId: string, input: object): Promise<string> {
    try {
      const result = await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: leadId, input: JSON.stringify(input) }));
      return result.executionArn!;
    } catch (error) {
      const name = (error as { name?: string }).name;
      // It ran already (and finished): the lead has had its sequence.
      if (name === 'ExecutionAlreadyExists') return this.executionArnOf(leadId);
      // ThrottlingException here has outlived the client's own retries (standard mode: 3
      // attempts, backing off): the caller queues the start instead of failing the lead.
      throw new TransientError(`Could not start the lead workflow (${name ?? 'error'})`, { cause: error });
    }
  }
}
