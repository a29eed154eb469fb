import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { handlerMetadataKey } from '../lib/routes';
import { type CfnTemplate, resolveIntrinsic, type ResolveOptions } from './template';

/**
 * IAM for DynamoDB (and for texts through End User Messaging SMS), as AWS enforces it: a
 * function may call an action on a table or index (a phone number or pool) only when its
 * role's policies in the template allow that action on that ARN. All handlers
 * share one process and one DynamoDB client here, so the caller is known from the invocation
 * the local stack is running (`asFunction`), and the check sits on the SDK clients' `send`:
 * a grant missing from the template is an AccessDeniedException in every local test, not a
 * surprise on the first lead in AWS. Calls outside any invocation (the stack's own setup,
 * tests reading the table, the ops CLIs) are not a function's and are not checked.
 */

interface Grant {
  actions: string[];
  resources: string[];
}

const invocation = new AsyncLocalStorage<string>();

/** Runs `work` as the function `name` runs it: its DynamoDB calls are checked against its role. */
export const asFunction = <T>(name: string, work: () => T): T => invocation.run(name, work);

/** The services whose calls are checked here. */
const CHECKED_SERVICES = ['dynamodb:', 'sms-voice:'];

/** Each function's (by handler name) DynamoDB and SMS grants, read from its role's inline policies. */
export function dynamoDbGrants(template: CfnTemplate, opts: ResolveOptions): Map<string, Grant[]> {
  const grants = new Map<string, Grant[]>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const name = resource.Metadata?.[handlerMetadataKey];
    if (typeof name !== 'string') continue;
    const roleId = resource.Properties?.Role?.['Fn::GetAtt']?.[0] as string | undefined;
    const statements = Object.values(template.Resources)
      .filter((policy) => policy.Type === 'AWS::IAM::Policy' && (policy.Properties?.Roles as Array<{ Ref?: string }>).some((role) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Effect: string; Action: string | string[]; Resource: unknown }>);
    const list = (value: unknown) => (Array.isArray(value) ? value : [value]);
    grants.set(
      name,
      statements
        .filter((s) => s.Effect === 'Allow' && list(s.Action).some((action: string) => CHECKED_SERVICES.some((service) => action.startsWith(service))))
        .map((s) => ({
          actions: list(s.Action) as string[],
          resources: list(s.Resource).map((r, i) => String(resolveIntrinsic(r, template, opts, `${roleId}.Policy.Resource[${i}]`))),
        })),
    );
  }
  return grants;
}

const patterns = new Map<string, RegExp>();
/** IAM's wildcards: `*` any run of characters, `?` one. */
function matches(pattern: string, value: string): boolean {
  let regex = patterns.get(pattern);
  if (!regex) {
    regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    patterns.set(pattern, regex);
  }
  return regex.test(value);
}

/** The document client's command names as the DynamoDB API actions they send. */
const documentActions: Record<string, string> = {
  GetCommand: 'GetItem', PutCommand: 'PutItem', UpdateCommand: 'UpdateItem', DeleteCommand: 'DeleteItem', QueryCommand: 'Query', ScanCommand: 'Scan',
  BatchGetCommand: 'BatchGetItem', BatchWriteCommand: 'BatchWriteItem', TransactGetCommand: 'TransactGetItems', TransactWriteCommand: 'TransactWriteItems',
};

/** The action a command sends (`dynamodb:GetItem`) and the ARNs it touches (a table, or an index of it). */
function dynamoDbRequestOf(command: { constructor: { name: string }; input?: Record<string, any> }, enforcement: Pick<Enforcement, 'tableArn'>): { action: string; resources: string[] } {
  const name = command.constructor.name;
  const action = documentActions[name] ?? name.replace(/Command$/, '');
  const input = command.input ?? {};
  const tables: string[] = input.TableName ? [input.TableName] : input.RequestItems ? Object.keys(input.RequestItems) : (input.TransactItems ?? []).map((item: Record<string, { TableName: string }>) => Object.values(item)[0]!.TableName);
  return { action: `dynamodb:${action}`, resources: tables.map((table) => `${enforcement.tableArn(table)}${input.IndexName ? `/index/${input.IndexName}` : ''}`) };
}

/** A text's action and what it is authorized on: the number or pool it is sent from, and its configuration set. */
function smsRequestOf(command: { constructor: { name: string }; input?: Record<string, any> }, enforcement: Pick<Enforcement, 'region' | 'accountId'>): { action: string; resources: string[] } {
  const input = command.input ?? {};
  const arn = (resource: string) => `arn:aws:sms-voice:${enforcement.region}:${enforcement.accountId}:${resource}`;
  const from = String(input.OriginationIdentity ?? '');
  const identity = from.startsWith('arn:') ? from : from.startsWith('pool-') ? arn(`pool/${from}`) : arn(`phone-number/${from}`);
  return { action: `sms-voice:${command.constructor.name.replace(/Command$/, '')}`, resources: [identity, ...(input.ConfigurationSetName ? [arn(`configuration-set/${input.ConfigurationSetName}`)] : [])] };
}

export interface DynamoDbEnforcement {
  /** Each distinct call a function made, allowed or not, in the order first seen: `<function> dynamodb:<action> <resource>`. */
  readonly calls: string[];
  /** The calls refused, as AWS would word them. */
  readonly denied: string[];
  stop(): void;
}

interface Enforcement extends DynamoDbEnforcement {
  grants: Map<string, Grant[]>;
  /** `calls` as a set: a long run (a soak's 20,000 leads) keeps one entry per kind of call, not one per call. */
  seen: Set<string>;
  tableArn: (table: string) => string;
  accountId: string;
  region: string;
}

/** The local stack started last; one process runs one stack's functions at a time. */
let current: Enforcement | undefined;
let installed = false;

/** Puts the check on the clients' `send` (the document client's is its own, not the inner client's). */
function install(): void {
  if (installed) return;
  installed = true;
  const clients = [
    [DynamoDBClient, dynamoDbRequestOf],
    [DynamoDBDocumentClient, dynamoDbRequestOf],
    [PinpointSMSVoiceV2Client, smsRequestOf],
  ] as Array<[{ prototype: { send: (...args: any[]) => Promise<unknown> } }, (command: any, enforcement: Enforcement) => { action: string; resources: string[] }]>;
  for (const [client, requestOf] of clients) {
    const original = client.prototype.send;
    client.prototype.send = function send(this: unknown, command: any, ...rest: unknown[]) {
      const caller = invocation.getStore();
      const enforcement = current;
      if (caller !== undefined && enforcement) {
        const { action, resources } = requestOf(command, enforcement);
        const allowed = enforcement.grants.get(caller) ?? [];
        for (const resource of resources) {
          const call = `${caller} ${action} ${resource}`;
          if (!enforcement.seen.has(call)) {
            enforcement.seen.add(call);
            enforcement.calls.push(call);
          }
          if (!allowed.some((grant) => grant.actions.some((a) => matches(a, action)) && grant.resources.some((r) => matches(r, resource)))) {
            const message = `User: arn:aws:sts::${enforcement.accountId}:assumed-role/${caller}/${caller} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
            enforcement.denied.push(message);
            console.error(`[local IAM] ${message}`);
            return Promise.reject(Object.assign(new Error(message), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
          }
        }
      }
      return original.call(this, command, ...rest);
    };
  }
}

/**
 * Checks every DynamoDB call a function makes against `grants` until `stop`: what is not
 * allowed throws AccessDeniedException as DynamoDB answers it (400, which the SDK does not retry).
 */
export function enforceDynamoDbGrants(grants: Map<string, Grant[]>, opts: { region: string; accountId: string }): DynamoDbEnforcement {
  install();
  const enforcement: Enforcement = {
    grants,
    accountId: opts.accountId,
    region: opts.region,
    tableArn: (table) => (table.startsWith('arn:') ? table : `arn:aws:dynamodb:${opts.region}:${opts.accountId}:table/${table}`),
    calls: [],
    seen: new Set(),
    denied: [],
    stop: () => {
      if (current === enforcement) current = undefined;
    },
  };
  current = enforcement;
  return enforcement;
}
