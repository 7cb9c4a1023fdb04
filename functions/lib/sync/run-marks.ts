/** Where a run sits in the source's newest-first order, and whether it can still change. */
export interface RunMark {
  /** The item's natural key (a job run's Id). */
  readonly id: string;
  /** When the run started, ISO-8601: the order the source lists runs in, newest first. */
  readonly startedOn: string;
}

/** A run's mark plus whether its state is final (it will never change again). */
export interface MarkedRun extends RunMark {
  readonly final: boolean;
}

/** What incremental sync needs to know about a source's items. */
export interface SyncTraits {
  /** The item's mark, or a sentence saying why it has none (then the order cannot be trusted). */
  mark(item: Record<string, unknown>): MarkedRun | string;
}

/**
 * Glue job-run states after which a run never changes (JobRunState in the API reference);
 * STARTING, RUNNING, STOPPING and WAITING runs are read again until they reach one of these.
 */
export const GLUE_FINAL_STATES: ReadonlySet<string> = new Set([
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
  'TIMEOUT',
  'ERROR',
  'EXPIRED',
]);

const glueJobRuns: SyncTraits = {
  mark(item) {
    const { Id: id, StartedOn: startedOn, JobRunState: state } = item;
    if (typeof id !== 'string' || id === '') return 'a job run has no Id';
    // AWS sources store timestamps as ISO-8601 strings (see ../sources/aws-source.ts).
    if (typeof startedOn !== 'string' || Number.isNaN(Date.parse(startedOn))) {
      return `job run ${id} has no StartedOn`;
    }
    return { id, startedOn, final: typeof state === 'string' && GLUE_FINAL_STATES.has(state) };
  },
};

const TRAITS: Readonly<Record<string, SyncTraits>> = { 'glue.getJobRuns': glueJobRuns };

/** The sync traits of a source, or undefined when it can only be read in full. */
export function syncTraits(sourceName: string): SyncTraits | undefined {
  return TRAITS[sourceName];
}

/** Negative when `a` started before `b`, positive after, 0 at the same instant. */
export function compareStarted(a: RunMark, b: RunMark): number {
  return Date.parse(a.startedOn) - Date.parse(b.startedOn);
}
