import { getLanguageService, TextDocument } from 'amazon-states-language-service';
import { describe, expect, it } from 'vitest';
import { type DeployConfig, DeployConfigSchema, loadConfig } from '../../lib/config';
import { synthTemplate } from '../../lib/synth';
import { type CfnTemplate, stateMachineDefinition } from '../../local/template';

/**
 * The synthesized state machine through AWS's own Amazon States Language service (the library
 * behind AWS's editor support for Step Functions): every state reachable, every Next a state,
 * a terminal state, each field of the right type and allowed on its state's Type. The graph is
 * built from the sequence's touches, so a stage with other days is checked too.
 */
const dev = loadConfig('dev');
const stages: Array<[string, DeployConfig]> = [
  ['dev', dev],
  ['days 2 and 5, minute 10, no business hours', DeployConfigSchema.parse({ ...dev, stage: 'qa', sequence: { hotAlertAfterMinutes: 10, followUpDays: [2, 5] } })],
];

const asl = getLanguageService({});

async function problemsOf(definition: unknown): Promise<string[]> {
  const document = TextDocument.create('file:///lead-workflow.asl.json', 'json', 1, JSON.stringify(definition, null, 1));
  const diagnostics = await asl.doValidation(document, asl.parseJSONDocument(document), { comments: 'error', trailingCommas: 'error' });
  return diagnostics.map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
}

describe("AWS's Amazon States Language service", () => {
  it.each(stages)('finds nothing wrong in the lead workflow of %s', async (_, config) => {
    const { definition } = stateMachineDefinition(synthTemplate(config) as CfnTemplate, { region: 'us-east-1', accountId: '123456789012' });
    expect(await problemsOf(definition)).toEqual([]);
  });

  it('does find what is wrong in a broken graph (so a pass means something)', async () => {
    const broken = { StartAt: 'Send confirmation', States: { 'Send confirmation': { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Next: 'Wait until day 1' }, Orphan: { Type: 'Succeed' } } };
    const problems = await problemsOf(broken);
    expect(problems.join('\n')).toMatch(/must be the name of an existing state/);
    expect(problems.join('\n')).toMatch(/cannot be reached/);
  });
});
