import { Stack } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { leadConfigFileName } from './lead-config';

/**
 * AWS limits a deploy config can push the template past, checked at synth so `cdk synth`
 * refuses what CloudFormation would only refuse halfway through a deploy. Sizes count the
 * values CloudFormation resolves at deploy time (names, ARNs, URLs) at `referenceBytes` each.
 */
export const awsLimits = {
  /** Lambda: all of a function's environment variables together, 4 KB. */
  lambdaEnvironmentBytes: 4 * 1024,
  /** Step Functions: a state machine's definition, 1 MB. */
  stateMachineDefinitionBytes: 1024 * 1024,
} as const;

/**
 * What one reference (`Ref`, `Fn::GetAtt`, `Fn::GetStackOutput`...) is counted as: the ones
 * here resolve to 50-130 characters (a table name, a secret's or state machine's ARN, a queue
 * URL, an API endpoint); 256 leaves room for long stack names and regions.
 */
export const referenceBytes = 256;

/** The longest value each pseudo parameter takes (`ap-southeast-5`, `aws-us-gov`, `amazonaws.com.cn`). */
const pseudoParameterBytes: Record<string, number> = { 'AWS::Region': 14, 'AWS::Partition': 10, 'AWS::AccountId': 12, 'AWS::URLSuffix': 16 };

/** A resolved CloudFormation value as the longest text it plausibly becomes at deploy time. */
function longestText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const object = value as Record<string, unknown> | null;
  const join = object?.['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map(longestText).join(join[0]);
  const ref = object?.Ref;
  if (typeof ref === 'string' && pseudoParameterBytes[ref] !== undefined) return 'x'.repeat(pseudoParameterBytes[ref]);
  return 'x'.repeat(referenceBytes);
}

/** Bytes of a function's environment as Lambda stores it: the variables as one JSON object (keys, values, quotes). */
export function environmentBytes(variables: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, longestText(value)]))));
}

const kb = (bytes: number) => `${bytes.toLocaleString('en-US')} bytes`;

/** Every way the stack's template would exceed an AWS limit, one sentence each, naming the resource, the limit and the fix. */
export function awsLimitIssues(stack: Stack): string[] {
  const issues: string[] = [];
  const named = (element: IConstruct) => element.node.scope?.node.path ?? element.node.path;
  for (const element of stack.node.findAll()) {
    if (element instanceof CfnFunction) {
      // The L1 property (camelCase `variables`), resolved: references become `Ref`, `Fn::GetAtt`...
      const variables = (stack.resolve(element.environment) as { variables?: Record<string, unknown> } | undefined)?.variables ?? {};
      const bytes = environmentBytes(variables);
      if (bytes > awsLimits.lambdaEnvironmentBytes) {
        const largest = Object.entries(variables)
          .map(([key, value]) => [key, environmentBytes({ [key]: value })] as const)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([key, size]) => `${key} ${kb(size)}`)
          .join(', ');
        issues.push(
          `${named(element)}: its environment would be about ${kb(bytes)} (each deploy-time reference counted as ${referenceBytes}), over Lambda's limit of 4 KB (${kb(awsLimits.lambdaEnvironmentBytes)}) for all of a function's environment variables. Largest: ${largest}. Move large values out of the environment (as the lead configuration is, in ${leadConfigFileName}) or shorten them.`,
        );
      }
    }
    if (element instanceof CfnStateMachine && element.definitionString !== undefined) {
      const bytes = Buffer.byteLength(longestText(stack.resolve(element.definitionString)));
      if (bytes > awsLimits.stateMachineDefinitionBytes) {
        issues.push(
          `${named(element)}: its definition would be about ${kb(bytes)}, over Step Functions' limit of 1 MB (${kb(awsLimits.stateMachineDefinitionBytes)}) for a state machine definition. Shorten the sequence (fewer follow-up days).`,
        );
      }
    }
  }
  return issues;
}
