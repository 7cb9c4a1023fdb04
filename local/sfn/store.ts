/**
 * Keeps the local endpoint's executions across restarts, where that is cheap: each
 * execution's description is a small JSON file written when it starts and when it ends, and
 * its history is written once, when it ends. Histories of finished executions live on disk
 * only (read back on demand), so memory holds the histories of running executions alone.
 *
 * Layout under `dir` (by default `.pagewalk/executions`, which git ignores):
 * `<name>.execution.json` and `<name>.history.json`.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AbortDetails, type HistoryEvent, syntheticHistory } from './history';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

/** What DescribeExecution returns about an execution; dates in epoch milliseconds. */
export interface ExecutionDescription {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  status: ExecutionStatus;
  readonly startDate: number;
  stopDate?: number;
  /** The input as given (a JSON string). */
  readonly input: string;
  output?: string;
  error?: string;
  cause?: string;
}

/** The cause recorded for executions that were running when the server stopped. */
export const SERVER_STOPPED: Required<AbortDetails> = {
  error: 'pagewalk.LocalServerStopped',
  cause: 'The local Step Functions server stopped while this execution was running.',
};

const SUFFIX = '.execution.json';

/** Writes a file whole or not at all, so a crash never leaves half a JSON document. */
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** Execution files in one folder. Names are URL-encoded into file names. */
export class ExecutionStore {
  /**
   * The last history read back, so paging through a long history reads the file once. Held
   * weakly: a finished history of 7,000 events is some 9 MB of heap, and a watcher that read
   * the segment a run continued from once must not pin it for the rest of a long run.
   */
  private cached?: { name: string; events: WeakRef<HistoryEvent[]> };

  constructor(
    private readonly dir: string,
    private readonly roleArn: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  private file(name: string, kind: 'execution' | 'history'): string {
    return join(this.dir, `${encodeURIComponent(name)}.${kind}.json`);
  }

  /**
   * Every stored execution, oldest first. One still RUNNING was cut off by a crash: it is
   * recorded as ABORTED now, with a two-event history if its own was never written, and
   * passed to `onRecovered`.
   */
  load(now = Date.now(), onRecovered?: (description: ExecutionDescription) => void): ExecutionDescription[] {
    const loaded: ExecutionDescription[] = [];
    for (const entry of readdirSync(this.dir)) {
      if (!entry.endsWith(SUFFIX)) continue;
      let description: ExecutionDescription;
      try {
        description = JSON.parse(readFileSync(join(this.dir, entry), 'utf8')) as ExecutionDescription;
      } catch {
        continue; // an unreadable file is skipped rather than stopping the server
      }
      if (description.status === 'RUNNING') {
        Object.assign(description, { status: 'ABORTED', stopDate: now, ...SERVER_STOPPED });
        this.saveDescription(description);
        this.saveHistory(
          description.name,
          syntheticHistory(description.startDate, description.input, this.roleArn, {
            timestamp: now,
            abort: SERVER_STOPPED,
          }),
        );
        onRecovered?.(description);
      }
      loaded.push(description);
    }
    return loaded.sort((a, b) => a.startDate - b.startDate);
  }

  saveDescription(description: ExecutionDescription): void {
    writeAtomically(this.file(description.name, 'execution'), JSON.stringify(description));
  }

  saveHistory(name: string, events: readonly HistoryEvent[]): void {
    writeAtomically(this.file(name, 'history'), JSON.stringify(events));
    if (this.cached?.name === name) this.cached = undefined;
  }

  /** A finished execution's history, or undefined when none was stored. */
  readHistory(name: string): HistoryEvent[] | undefined {
    const cached = this.cached?.name === name ? this.cached.events.deref() : undefined;
    if (cached) return cached;
    try {
      const events = JSON.parse(readFileSync(this.file(name, 'history'), 'utf8')) as HistoryEvent[];
      this.cached = { name, events: new WeakRef(events) };
      return events;
    } catch {
      return undefined;
    }
  }
}
