import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Index names the lead store queries by; the adapter uses the same strings. */
export const leadIndexes = {
  /** A rep's leads by submission time. */
  byOwner: 'byOwner',
  /** Reporting: all leads of one day by submission time. */
  byDay: 'byDay',
  /** Scoring: earlier visits of a person and recent contacts from one company. */
  byDomain: 'byDomain',
} as const;

/**
 * The one table for leads, their timeline, dedupe guards and the routing cursor
 * (`pk`/`sk`, see DESIGN.md). Leads are business records: the table outlives the stack.
 */
export class LeadTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.table.addGlobalSecondaryIndex({
      indexName: leadIndexes.byOwner,
      partitionKey: { name: 'ownerId', type: AttributeType.STRING },
      sortKey: { name: 'submittedAt', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: leadIndexes.byDomain,
      partitionKey: { name: 'emailDomain', type: AttributeType.STRING },
      sortKey: { name: 'submittedAt', type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: ['email', 'leadId'],
    });
    this.table.addGlobalSecondaryIndex({
      indexName: leadIndexes.byDay,
      partitionKey: { name: 'submittedDay', type: AttributeType.STRING },
      sortKey: { name: 'submittedAt', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }
}
