/**
 * What the console shows of executions, read from the endpoint's registry (the one the Step
 * Functions API answers from): the executions of a machine filtered and paged, one
 * execution's states for the graph and the table, one state's last visit, a page of its
 * events, its run or sync record with the executions it started, and the whole of it as JSON.
 * Everything is paged or summed up here, so the browser never holds a whole long history.
 */

import { runIdOfExecution } from '../functions/lib/run-config';
import { RunRecords } from '../functions/lib/store/run-record';
import { syncRunIdOfExecution } from '../functions/lib/sync/all-jobs-config';
import { SyncRecords } from '../functions/lib/sync/all-jobs-store';
import { ALL_JOBS_MACHINE } from '../local/engine';
import { type HistoryEvent, toWireEvent } from '../local/sfn/history';
import type { Entry, ExecutionRegistry } from '../local/sfn/registry';
import type { ExecutionDescription } from '../local/sfn/store';
import type { LocalStack } from '../local/stack';
import { analyzeHistory, flattenStates, type HistoryAnalysis, isFailureEvent } from './history-analysis';

/** Rows per page of the executions list and of the events view, as in the AWS console. */
export const PAGE_SIZE = 25;

/** An execution as the list shows it; dates in epoch milliseconds. */
export function executionRow(d: ExecutionDescription) {
  return {
    executionArn: d.executionArn,
    stateMachineArn: d.stateMachineArn,
    name: d.name,
    status: d.status,
    startDate: d.startDate,
    stopDate: d.stopDate,
  };
}

/** A page of a list and where it sits. */
export interface Paged<T> {
  readonly items: readonly T[];
  readonly page: number;
  readonly pages: number;
  readonly total: number;
}

/** Page `page` (1-based, clamped) of `all`. */
export function pageOf<T>(all: readonly T[], page: number): Paged<T> {
  const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
  const at = Math.min(Math.max(1, Math.trunc(page) || 1), pages);
  return { items: all.slice((at - 1) * PAGE_SIZE, at * PAGE_SIZE), page: at, pages, total: all.length };
}

/** A machine's executions, newest first, by status and by a piece of the name (any case). */
export function listExecutions(
  registry: ExecutionRegistry,
  stateMachineArn: string,
  filter: { readonly status?: string; readonly name?: string; readonly page: number },
) {
  const needle = filter.name?.toLowerCase() ?? '';
  const rows = registry
    .list(stateMachineArn)
    .filter((d) => !filter.status || d.status === filter.status)
    .filter((d) => needle === '' || d.name.toLowerCase().includes(needle))
    .sort((a, b) => b.startDate - a.startDate || (a.name < b.name ? 1 : -1))
    .map(executionRow);
  const counts: Record<string, number> = {};
  for (const d of registry.list(stateMachineArn)) counts[d.status] = (counts[d.status] ?? 0) + 1;
  return { ...pageOf(rows, filter.page), counts };
}

/** Reads executions' histories against their definitions, keeping the last few analyses. */
export class HistoryReader {
  private readonly cache = new Map<string, { length: number; analysis: HistoryAnalysis }>();
  private readonly definitions = new Map<string, ReturnType<typeof flattenStates>>();

  constructor(private readonly registry: ExecutionRegistry) {}

  events(entry: Entry): readonly HistoryEvent[] {
    return this.registry.history(entry);
  }

  /** The history read (analysed again only when it grew). */
  analysis(entry: Entry): { events: readonly HistoryEvent[]; analysis: HistoryAnalysis } {
    const events = this.events(entry);
    const arn = entry.description.executionArn;
    const cached = this.cache.get(arn);
    if (cached && cached.length === events.length) return { events, analysis: cached.analysis };
    const analysis = analyzeHistory(events, this.statesOf(entry.description.stateMachineArn));
    this.cache.delete(arn);
    this.cache.set(arn, { length: events.length, analysis });
    // A few at once: the open execution page, and whatever the user opened last.
    for (const key of this.cache.keys()) {
      if (this.cache.size <= 8) break;
      this.cache.delete(key);
    }
    return { events, analysis };
  }

  /** The definition's states by name, nested ones included. */
  statesOf(stateMachineArn: string): ReturnType<typeof flattenStates> {
    let states = this.definitions.get(stateMachineArn);
    if (!states) {
      const definition = this.registry.machineByArn(stateMachineArn)?.definition ?? '{}';
      states = flattenStates((JSON.parse(definition) as { States?: unknown }).States);
      this.definitions.set(stateMachineArn, states);
    }
    return states;
  }
}

/** What the graph and the table of states show, and the execution's own counts. */
export function executionStates(reader: HistoryReader, entry: Entry) {
  const { events, analysis } = reader.analysis(entry);
  return {
    status: entry.description.status,
    events: events.length,
    transitions: analysis.transitions,
    retries: analysis.retries,
    states: analysis.states,
    edges: Object.entries(analysis.edges).map(([key, count]) => {
      const [from, to] = key.split('\u0000');
      return { from, to, count };
    }),
  };
}

const detailsOf = (event: HistoryEvent | undefined) =>
  event
    ? (Object.entries(event).find(([key]) => key.endsWith('EventDetails'))?.[1] as
        | Record<string, unknown>
        | undefined)
    : undefined;

/** One state's last visit: its input, output, retries and the errors of its attempts. */
export function stateDetail(reader: HistoryReader, entry: Entry, name: string) {
  const { events, analysis } = reader.analysis(entry);
  const summary = analysis.states[name];
  if (!summary) return undefined;
  const from = summary.lastEnteredId ?? 0;
  const to = summary.lastExitedId ?? events.length;
  const errors: Array<{ eventId: number; type: string; error?: unknown; cause?: unknown }> = [];
  let retries = 0;
  for (let i = from; i < to && i < events.length; i++) {
    const event = events[i] as HistoryEvent;
    if (analysis.eventState[i] !== name) continue;
    if (event.type === 'LambdaFunctionScheduled' || event.type === 'TaskScheduled') retries += 1;
    if (isFailureEvent(event.type)) {
      const details = detailsOf(event);
      errors.push({ eventId: event.id, type: event.type, error: details?.error, cause: details?.cause });
    }
  }
  // An execution that failed in this state: its own error is the state's too.
  const last = events[events.length - 1];
  if (summary.lastExitedId === undefined && last && /^Execution(Failed|TimedOut|Aborted)$/.test(last.type)) {
    const details = detailsOf(last);
    errors.push({ eventId: last.id, type: last.type, error: details?.error, cause: details?.cause });
  }
  return {
    name,
    type: reader.statesOf(entry.description.stateMachineArn)[name]?.Type,
    ...summary,
    input: from > 0 ? detailsOf(events[from - 1])?.input : undefined,
    output: summary.lastExitedId ? detailsOf(events[summary.lastExitedId - 1])?.output : undefined,
    lastVisitRetries: Math.max(0, retries - 1),
    errors,
  };
}

/** Page `page` of the events (25, oldest or newest first), each with its state and a failure mark. */
export function eventsPage(reader: HistoryReader, entry: Entry, page: number, newestFirst: boolean) {
  const { events, analysis } = reader.analysis(entry);
  const pages = Math.max(1, Math.ceil(events.length / PAGE_SIZE));
  const at = Math.min(Math.max(1, Math.trunc(page) || 1), pages);
  const indexes: number[] = [];
  for (let k = (at - 1) * PAGE_SIZE; k < Math.min(at * PAGE_SIZE, events.length); k++) {
    indexes.push(newestFirst ? events.length - 1 - k : k);
  }
  return {
    items: indexes.map((i) => ({
      ...toWireEvent(events[i] as HistoryEvent),
      state: analysis.eventState[i],
      failure: isFailureEvent((events[i] as HistoryEvent).type),
    })),
    page: at,
    pages,
    total: events.length,
  };
}

/** The executions an execution started (continue as new, a sync's children), by the input AWS gives them. */
function startedBy(registry: ExecutionRegistry, executionArn: string): ExecutionDescription[] {
  return registry
    .list()
    .filter((d) => d.input.includes(executionArn) && parentOf(d) === executionArn)
    .sort((a, b) => a.startDate - b.startDate);
}

/** The execution that started this one, from its input. */
function parentOf(d: ExecutionDescription): string | undefined {
  try {
    const parent = (JSON.parse(d.input) as { AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID?: unknown })
      .AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID;
    return typeof parent === 'string' ? parent : undefined;
  } catch {
    return undefined;
  }
}

/** Most child executions listed with an execution; the count says how many there are. */
const CHILDREN_SHOWN = 200;

/**
 * The run (a pagewalk execution) or sync (an all-jobs one) an execution works for, its record
 * as the CLI reads it, and the executions it started.
 */
export async function runOf(registry: ExecutionRegistry, stack: LocalStack, entry: Entry) {
  const d = entry.description;
  const sync = d.stateMachineArn === registry.machines().find((m) => m.name === ALL_JOBS_MACHINE.name)?.arn;
  const runId = sync ? syncRunIdOfExecution(d.input, d.name) : runIdOfExecution(d.input, d.name);
  let record: unknown;
  if (runId) {
    record = sync
      ? await new SyncRecords(stack.documentClient, stack.tableName).get(runId)
      : await new RunRecords(stack.documentClient, stack.tableName).get(runId);
  }
  const children = startedBy(registry, d.executionArn);
  return {
    kind: sync ? 'sync' : 'run',
    runId,
    record: record ?? null,
    startedBy: parentOf(d),
    children: children.slice(0, CHILDREN_SHOWN).map(executionRow),
    childCount: children.length,
  };
}

/** The execution as one JSON document: its description and every history event, as the API gives them. */
export function exportExecution(reader: HistoryReader, entry: Entry): string {
  const d = entry.description;
  return JSON.stringify(
    {
      execution: {
        ...d,
        startDate: new Date(d.startDate).toISOString(),
        stopDate: d.stopDate && new Date(d.stopDate).toISOString(),
      },
      events: reader.events(entry).map((event) => toWireEvent(event)),
    },
    null,
    2,
  );
}
