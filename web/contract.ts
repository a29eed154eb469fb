/**
 * The team app's HTTP contract, re-exported for the browser code. Types only (erased by the
 * build): functions/domain/team-app.ts is the one source.
 */
export type {
  AppConfig,
  DashboardFilters,
  DashboardView,
  Handoff,
  LeadView,
  Me,
  QueueItem,
  QueueView,
  ResponseRequest,
  ResponseResult,
  TeamChange,
  TeamMember,
  TeamMemberChange,
  TeamRole,
  TeamView,
} from '@domain/team-app';
export type { LeadGrade as LeadGradeName, RepOutcome } from '@domain/lead';
export type { TimelineEvent } from '@domain/ports';
export type { ReportRow } from '@domain/sla';
export type { FunnelRow, PipelineRow } from '@domain/funnel';
