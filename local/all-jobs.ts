/**
 * The all-jobs sync on the local engine: statemachine/all-jobs.asl.json with its own handlers,
 * starting its children on a local pagewalk state machine, as the two deployed machines do.
 */
import {
  ALL_JOBS_MACHINE,
  type LocalEvent,
  type LocalHandlers,
  LocalStateMachine,
  type LocalStateMachineOptions,
} from './engine';

/**
 * The all-jobs handlers, imported only when asked for: their SDK clients read the endpoint
 * variables at module scope, so those must be set first.
 */
export async function loadAllJobsHandlers(): Promise<LocalHandlers> {
  const [startSync, listJobs, readJobRun, finishSync] = await Promise.all([
    import('../functions/start-sync'),
    import('../functions/list-jobs'),
    import('../functions/read-job-run'),
    import('../functions/finish-sync'),
  ]);
  return {
    StartSyncFunctionArn: startSync.handler,
    ListJobsFunctionArn: listJobs.handler,
    ReadJobRunFunctionArn: readJobRun.handler,
    FinishSyncFunctionArn: finishSync.handler,
  };
}

/** The two local machines an all-jobs sync needs. */
export interface SyncMachines {
  readonly pagewalk: LocalStateMachine;
  readonly allJobs: LocalStateMachine;
}

/**
 * A local pagewalk machine and an all-jobs machine whose "Sync job" Tasks start executions on
 * it. `pagewalk` is the loop's three handlers (see loadPagewalkHandlers), or a pagewalk
 * machine already running (such as the local endpoint's), for the children to run on.
 */
export async function createSyncMachines(
  pagewalk: LocalHandlers | LocalStateMachine,
  options: Omit<LocalStateMachineOptions, 'handlers' | 'spec' | 'targets'> & {
    readonly onEvent?: (event: LocalEvent, executionName: string) => void;
    /** Replaces all-jobs handlers by placeholder (a test holds List jobs to a small history budget). */
    readonly allJobsHandlers?: Partial<LocalHandlers>;
  } = {},
): Promise<SyncMachines> {
  const { allJobsHandlers, ...machineOptions } = options;
  const children =
    pagewalk instanceof LocalStateMachine
      ? pagewalk
      : new LocalStateMachine({ ...machineOptions, handlers: pagewalk });
  const allJobs = new LocalStateMachine({
    ...machineOptions,
    handlers: { ...(await loadAllJobsHandlers()), ...allJobsHandlers } as LocalHandlers,
    spec: ALL_JOBS_MACHINE,
    targets: [children],
  });
  return { pagewalk: children, allJobs };
}
