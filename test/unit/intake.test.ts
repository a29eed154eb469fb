import { describe, expect, it } from 'vitest';
import { TransientError } from '@domain/errors';
import { startQueuedLead, submitLead, type IntakeDeps } from '@domain/intake';
import type { Lead } from '@domain/lead';
import { readLeadSubmission } from '@domain/lead-submission';
import type { LeadStore, TimelineEvent } from '@domain/ports';
import { defaultSequence } from '@domain/sequence';

/** Intake's order of writes and its fallbacks, against in-memory ports. */
function fakes(opts: { start?: 'ok' | 'throttled' | 'exists'; queue?: 'ok' | 'down' } = {}) {
  const calls: string[] = [];
  const leads = new Map<string, Lead>();
  const guards = new Map<string, string>();
  const events: Array<[string, TimelineEvent]> = [];
  const queued: string[] = [];
  const started: string[] = [];
  let n = 0;
  const store = {
    claimSubmission: async (fingerprint: string, leadId: string) => {
      calls.push('guard');
      const existing = guards.get(fingerprint);
      if (existing) return { first: false as const, leadId: existing };
      guards.set(fingerprint, leadId);
      return { first: true as const };
    },
    createLead: async (lead: Lead) => {
      calls.push('lead');
      if (leads.has(lead.leadId)) return false;
      leads.set(lead.leadId, lead);
      return true;
    },
    getLead: async (leadId: string) => {
      calls.push('get');
      return leads.get(leadId);
    },
    appendEvent: async (leadId: string, event: TimelineEvent) => {
      calls.push(`event:${event.type}`);
      events.push([leadId, event]);
    },
  } as unknown as LeadStore;
  const deps: IntakeDeps = {
    store,
    workflow: {
      executionArnOf: (leadId) => `arn:aws:states:us-east-1:1:execution:m:${leadId}`,
      start: async (leadId) => {
        calls.push('start');
        if (opts.start === 'throttled') throw new TransientError('Could not start the lead workflow (ThrottlingException)');
        started.push(leadId);
        return `arn:aws:states:us-east-1:1:execution:m:${leadId}`;
      },
    },
    startQueue: {
      enqueue: async (leadId) => {
        calls.push('enqueue');
        if (opts.queue === 'down') throw new TransientError('Could not queue');
        queued.push(leadId);
      },
    },
    clock: { now: () => new Date('2026-11-02T10:00:00Z') },
    sequence: defaultSequence,
    hotSlaMinutes: 15,
    newLeadId: () => `lead-${++n}`,
  };
  return { deps, calls, leads, events, queued, started };
}

const submission = { email: 'dana@acme.io', name: 'Dana Director', formId: 'demo' };

describe('submitLead', () => {
  it('stores the lead (with the ARN its execution will have) and its event, then starts it: no write after the start', async () => {
    const { deps, calls, leads, started } = fakes();
    expect(await submitLead(deps, submission)).toEqual({ leadId: 'lead-1', duplicate: false, startQueued: false });
    expect(calls).toEqual(['guard', 'lead', 'event:submitted', 'start']);
    expect(leads.get('lead-1')?.executionArn).toBe('arn:aws:states:us-east-1:1:execution:m:lead-1');
    expect(started).toEqual(['lead-1']);
  });

  it('queues the start when Step Functions throttles it, and still accepts the lead', async () => {
    const { deps, calls, queued } = fakes({ start: 'throttled' });
    expect(await submitLead(deps, submission)).toEqual({ leadId: 'lead-1', duplicate: false, startQueued: true });
    expect(calls.slice(-2)).toEqual(['start', 'enqueue']);
    expect(queued).toEqual(['lead-1']);
  });

  it('fails with a TransientError (503) only when the queue fails too; the lead stays stored', async () => {
    const { deps, leads } = fakes({ start: 'throttled', queue: 'down' });
    await expect(submitLead(deps, submission)).rejects.toBeInstanceOf(TransientError);
    expect(leads.has('lead-1')).toBe(true);
  });

  it('on a repeat, starts the stored lead again (a no-op if it runs) and records the repeat', async () => {
    const { deps, calls, started } = fakes();
    await submitLead(deps, submission);
    calls.length = 0;
    expect(await submitLead(deps, submission)).toEqual({ leadId: 'lead-1', duplicate: true, startQueued: false });
    expect(calls).toEqual(['guard', 'event:duplicate-submission', 'get', 'start']);
    expect(started).toEqual(['lead-1', 'lead-1']);
  });

  it('on a repeat after the first request died between its guard and its lead, stores the lead under the guarded id and starts it', async () => {
    const { deps, leads, started, events } = fakes();
    await submitLead(deps, submission);
    leads.clear(); // as if the first request's lead write never happened
    started.length = 0;
    expect(await submitLead(deps, submission)).toEqual({ leadId: 'lead-1', duplicate: true, startQueued: false });
    expect(leads.get('lead-1')).toMatchObject({ leadId: 'lead-1', email: 'dana@acme.io', status: 'new' });
    expect(started).toEqual(['lead-1']);
    expect(events.map(([, event]) => event.type)).toContain('submitted');
  });

  it('when a repeat races the first request to store the lead, both carry on with the one stored', async () => {
    const { deps, leads, started } = fakes();
    const first = { ...submission, leadId: 'lead-1', submittedAt: '2026-11-02T09:59:59.000Z', status: 'new', steps: {} } as unknown as Lead;
    leads.set('lead-1', first);
    // The guard is taken and the lead stored by the other request, yet this one's read missed it.
    const result = await submitLead({ ...deps, newLeadId: () => 'lead-1' }, submission);
    expect(result).toEqual({ leadId: 'lead-1', duplicate: false, startQueued: false });
    expect(leads.get('lead-1')).toBe(first);
    expect(started).toEqual(['lead-1']);
  });
});

describe('a lead is never lost to a field the person cannot see or fix', () => {
  it('a browser that cannot tell its time zone ("Etc/Unknown"): the lead is kept, on the default schedule, and its timeline names what was dropped', async () => {
    const { deps, leads, events, started } = fakes();
    const { submission: read, dropped, clipped } = readLeadSubmission({ ...submission, timezone: 'Etc/Unknown', utm_source: 'x'.repeat(300) });
    expect(await submitLead(deps, read, undefined, { dropped, clipped })).toEqual({ leadId: 'lead-1', duplicate: false, startQueued: false });
    expect(started).toEqual(['lead-1']);
    expect(leads.get('lead-1')).not.toHaveProperty('timezone');
    expect(leads.get('lead-1')?.utm_source).toHaveLength(200);
    expect(events[0]).toEqual(['lead-1', { type: 'submitted', at: '2026-11-02T10:00:00.000Z', actor: 'lead', detail: { formId: 'demo', source: 'x'.repeat(200), dropped: ['timezone'], clipped: ['utm_source'] } }]);
  });

  it('a clean submission says nothing about page facts', async () => {
    const { deps, events } = fakes();
    await submitLead(deps, submission);
    expect(events[0]![1].detail).toEqual({ formId: 'demo', source: undefined });
  });

  it('keeps the phone as typed, and its E.164 form (read in the lead\'s country) for tel: links', async () => {
    const { deps, leads } = fakes();
    await submitLead(deps, { ...submission, phone: '030 1234567 ext. 89', country: 'Germany' });
    expect(leads.get('lead-1')).toMatchObject({ phone: '030 1234567 ext. 89', phoneE164: '+49301234567', phoneExtension: '89' });
    await submitLead(deps, { ...submission, email: 'ed@acme.io', phone: '(555) 123-4567' });
    expect(leads.get('lead-2')).toMatchObject({ phone: '(555) 123-4567' });
    expect(leads.get('lead-2')).not.toHaveProperty('phoneE164');
  });
});

describe('startQueuedLead', () => {
  it("starts the stored lead's workflow and notes on its timeline that it went through the queue", async () => {
    const { deps, events, started } = fakes();
    await submitLead(deps, submission);
    expect(await startQueuedLead(deps, 'lead-1', 2)).toBe('started');
    expect(started).toEqual(['lead-1', 'lead-1']);
    expect(events.at(-1)).toEqual(['lead-1', { type: 'sequence-started', at: '2026-11-02T10:00:00.000Z', actor: 'system', detail: { via: 'start-queue', attempt: 2 } }]);
  });

  it('has nothing to start for a lead erased since', async () => {
    const { deps, started } = fakes();
    expect(await startQueuedLead(deps, 'gone', 1)).toBe('lead-gone');
    expect(started).toEqual([]);
  });
});
