import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * Reads the state machine out of a synthesized CloudFormation template, so the local runner
 * and the workflow tests execute exactly what CDK deploys instead of a hand-written copy.
 */

export type CfnTemplate = {
  Resources: Record<string, { Type: string; Properties?: any; Metadata?: Record<string, unknown> }>;
};

export type { StateMachineDefinition };

export interface ResolveOptions {
  region: string;
  accountId: string;
  /** Which `AWS::StepFunctions::StateMachine` to read; required only when there are several. */
  logicalId?: string;
  /** What a resource stands for locally: `Id` for its Ref, `Id.Attr` for a GetAtt. */
  refs?: Record<string, string>;
}

const STATE_MACHINE_TYPE = 'AWS::StepFunctions::StateMachine';
const LAMBDA_TYPE = 'AWS::Lambda::Function';

export function stateMachineDefinition(
  template: CfnTemplate,
  opts: ResolveOptions,
): { logicalId: string; definition: StateMachineDefinition } {
  const logicalId = pickStateMachine(template, opts.logicalId);
  const props = template.Resources[logicalId]?.Properties ?? {};
  if (props.DefinitionString === undefined) {
    // `Definition` (an inline object) or `DefinitionS3Location` are not what CDK's
    // DefinitionBody.fromChainable produces; fail loudly rather than run something else.
    throw new Error(`${logicalId}: only Properties.DefinitionString is supported`);
  }
  const resolved = resolveIntrinsic(props.DefinitionString, template, opts, `${logicalId}.DefinitionString`);
  if (typeof resolved !== 'string') {
    throw new Error(`${logicalId}: DefinitionString did not resolve to a string`);
  }
  let text = resolved;
  // CloudFormation applies DefinitionSubstitutions (`${key}`) after resolving intrinsics.
  const substitutions: Record<string, unknown> = props.DefinitionSubstitutions ?? {};
  for (const [key, value] of Object.entries(substitutions)) {
    const resolved = String(resolveIntrinsic(value, template, opts, `${logicalId}.DefinitionSubstitutions.${key}`));
    text = text.split('${' + key + '}').join(resolved);
  }
  let definition: StateMachineDefinition;
  try {
    definition = JSON.parse(text) as StateMachineDefinition;
  } catch (err) {
    throw new Error(`${logicalId}: the resolved definition is not JSON: ${(err as Error).message}`);
  }
  return { logicalId, definition };
}

/** `arn:aws:lambda:us-east-1:000000000000:function:Name[:qualifier]` -> `Name`. */
export function lambdaLogicalIdFromArn(arn: string): string | undefined {
  const match = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(arn);
  return match?.[1];
}

function pickStateMachine(template: CfnTemplate, wanted: string | undefined): string {
  const ids = Object.entries(template.Resources ?? {})
    .filter(([, resource]) => resource.Type === STATE_MACHINE_TYPE)
    .map(([id]) => id);
  if (wanted !== undefined) {
    if (!ids.includes(wanted)) {
      throw new Error(`No ${STATE_MACHINE_TYPE} with logical id ${wanted} (found: ${ids.join(', ') || 'none'})`);
    }
    return wanted;
  }
  if (ids.length !== 1) {
    throw new Error(
      `Expected exactly one ${STATE_MACHINE_TYPE}, found ${ids.length} (${ids.join(', ') || 'none'}); pass logicalId`,
    );
  }
  return ids[0]!;
}

/**
 * Resolves the small subset of intrinsics CDK emits in a state machine definition. The Lambda
 * ARN keeps the logical id as the function name so a Task can be mapped back to its handler.
 */
export function resolveIntrinsic(value: unknown, template: CfnTemplate, opts: ResolveOptions, where: string): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${where}: unsupported value ${JSON.stringify(value)}`);
  }
  const keys = Object.keys(value);
  const key = keys[0];
  const arg = (value as Record<string, unknown>)[key ?? ''];
  if (keys.length !== 1) throw new Error(`${where}: unsupported object ${JSON.stringify(value)}`);

  switch (key) {
    case 'Fn::Join': {
      if (!Array.isArray(arg) || typeof arg[0] !== 'string' || !Array.isArray(arg[1])) {
        throw new Error(`${where}: malformed Fn::Join`);
      }
      const [delimiter, parts] = arg as [string, unknown[]];
      return parts.map((part, i) => String(resolveIntrinsic(part, template, opts, `${where}[${i}]`))).join(delimiter);
    }
    case 'Fn::GetAtt': {
      // Both the array form and the short string form `Logical.Attr`.
      const [id, attr] = Array.isArray(arg) ? arg : typeof arg === 'string' ? splitOnce(arg, '.') : [];
      if (typeof id !== 'string' || typeof attr !== 'string') throw new Error(`${where}: malformed Fn::GetAtt`);
      const local = opts.refs?.[`${id}.${attr}`];
      if (local !== undefined) return local;
      const resource = template.Resources[id];
      if (!resource) throw new Error(`${where}: Fn::GetAtt of unknown resource ${id}`);
      if (resource.Type === LAMBDA_TYPE && attr === 'Arn') {
        return `arn:aws:lambda:${opts.region}:${opts.accountId}:function:${id}`;
      }
      return `local-getatt-${id}.${attr}`;
    }
    case 'Ref': {
      if (typeof arg !== 'string') throw new Error(`${where}: malformed Ref`);
      switch (arg) {
        case 'AWS::Partition':
          return 'aws';
        case 'AWS::Region':
          return opts.region;
        case 'AWS::AccountId':
          return opts.accountId;
        case 'AWS::URLSuffix':
          return 'amazonaws.com';
      }
      const local = opts.refs?.[arg];
      if (local !== undefined) return local;
      const resource = template.Resources[arg];
      if (!resource) throw new Error(`${where}: Ref to ${arg} is not supported (not a resource of the template)`);
      // Ref of a function is its name; the name we use for functions is the logical id.
      return resource.Type === LAMBDA_TYPE ? arg : `local-ref-${arg}`;
    }
    default:
      throw new Error(`${where}: unsupported intrinsic ${key}`);
  }
}

function splitOnce(text: string, separator: string): [string, string] | [] {
  const at = text.indexOf(separator);
  return at < 0 ? [] : [text.slice(0, at), text.slice(at + 1)];
}
