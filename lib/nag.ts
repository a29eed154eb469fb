import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges a cdk-nag (AwsSolutions) finding on a construct and everything under it.
 * cdk-nag 3 reads these from CDK's own `Validations` metadata, so the stack needs no cdk-nag
 * import (in-process synth for tests stays light). Always give the reason in a sentence.
 */
export function acknowledgeNag(scope: IConstruct, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-${finding}`, reason });
}

/** How cdk-nag names a resource's ARN inside IAM5 findings: `<LogicalId.Arn>`. */
export function nagArn(resource: IConstruct): string {
  const element = (resource.node.defaultChild ?? resource) as CfnElement;
  return `<${Stack.of(element).getLogicalId(element)}.Arn>`;
}
