import { App } from 'aws-cdk-lib';
import { expect } from 'vitest';

/** Small readers over a synthesized CloudFormation template, shared by the infra tests. */

export type Template = { Resources: Record<string, Resource>; Outputs?: Record<string, any> };
export type Resource = { Type: string; Properties?: any; Metadata?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
export type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

export const resourcesOfType = (template: Template, type: string): Array<[string, Resource]> =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

/** The one resource of a type, with its logical id; expects exactly one. */
export function onlyOfType(template: Template, type: string): [string, Resource] {
  const found = resourcesOfType(template, type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
}

/** An app for synthesizing stacks in a test: no bundling, no CloudFormation validation. */
export const newApp = () => new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });

/**
 * A CloudFormation value as text: `Fn::Join` concatenated, references replaced by
 * placeholders (`<Ref:Id>`, `<Id.Attr>`), so tests can compare ARNs and parse definitions.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  const v = value as Record<string, any>;
  if (v?.['Fn::Join']) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  if (v?.Ref) return `<Ref:${v.Ref}>`;
  if (v?.['Fn::GetAtt']) return `<${v['Fn::GetAtt'][0]}.${v['Fn::GetAtt'][1]}>`;
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

/** The state machine's definition, parsed (Lambda ARNs become `<FunctionLogicalId.Arn>`). */
export function definitionOf(template: Template): { StartAt: string; TimeoutSeconds?: number; States: Record<string, any> } {
  const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  return JSON.parse(flatten(machines[0]![1].Properties.DefinitionString));
}

/** Function logical id -> handler name, from the `SpeedToLead:Handler` metadata. */
export function handlersByLogicalId(template: Template): Map<string, string> {
  return new Map(
    resourcesOfType(template, 'AWS::Lambda::Function').map(([id, fn]) => [id, String(fn.Metadata?.['SpeedToLead:Handler'])]),
  );
}

/** Handler name -> that function's logical id. */
export function functionIdOf(template: Template, handler: string): string {
  const found = [...handlersByLogicalId(template)].find(([, name]) => name === handler);
  if (!found) throw new Error(`no function with handler ${handler}`);
  return found[0];
}

/** All statements of the inline policies attached to a role. */
export function statementsOfRole(template: Template, roleId: string): Statement[] {
  return resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties.Roles as unknown[]).some((role: any) => role.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** A function's role logical id. */
export function roleOf(template: Template, functionId: string): string {
  return template.Resources[functionId]!.Properties.Role['Fn::GetAtt'][0];
}

/**
 * The states one execution visits, following the graph from `StartAt`: Choices are evaluated
 * against the values `answer` gives for their variable (in the state they are reached from).
 */
export function walk(
  definition: { StartAt: string; States: Record<string, any> },
  answer: (variable: string, choiceState: string) => unknown,
): string[] {
  const visited: string[] = [];
  let current: string | undefined = definition.StartAt;
  while (current) {
    if (visited.length > 200) throw new Error(`no end after ${visited.slice(-5).join(' -> ')}`);
    visited.push(current);
    const state: any = definition.States[current];
    if (!state) throw new Error(`no state named "${current}"`);
    if (state.Type === 'Choice') {
      const name: string = current;
      const taken: any = (state.Choices as any[]).find((choice) => {
        const actual = answer(choice.Variable, name);
        if ('StringEquals' in choice) return actual === choice.StringEquals;
        if ('BooleanEquals' in choice) return actual === choice.BooleanEquals;
        throw new Error(`unsupported choice rule in "${name}": ${JSON.stringify(choice)}`);
      });
      current = taken ? taken.Next : state.Default;
    } else {
      current = state.End || state.Type === 'Fail' || state.Type === 'Succeed' ? undefined : state.Next;
    }
  }
  return visited;
}
