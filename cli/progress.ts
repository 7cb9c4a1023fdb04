/**
 * Live progress of a run: a block redrawn in place on a terminal, plain lines (one per
 * change) otherwise, so logs and CI output stay readable.
 */
import type { Output } from './context';
import { count, duration } from './format';

/** What `watch` knows about a run at one moment. */
export interface ProgressSnapshot {
  readonly runId: string;
  readonly execution: string;
  readonly executionStatus: string;
  readonly segment: number;
  /** The state the execution is in (the last one entered). */
  readonly state?: string;
  readonly pages: number;
  readonly items: number;
  readonly restarts: number;
  readonly polls: number;
  /** Waits for quota so far; absent for runs whose source is not paced. */
  readonly waits?: number;
  /** While the run waits for quota: milliseconds until its next call. */
  readonly nextCallInMs?: number;
  /** Items per second, when it can be told. */
  readonly rate?: number;
  readonly elapsedMs: number;
  /** The run record's status, when the table can be read. */
  readonly runStatus?: string;
}

/** The snapshot as the lines of the terminal block. */
export function progressBlock(s: ProgressSnapshot): string[] {
  return [
    `run ${s.runId}   ${s.runStatus ?? s.executionStatus.toLowerCase()}   ${duration(s.elapsedMs)}`,
    `  pages ${count(s.pages).padStart(7)}   items ${count(s.items).padStart(10)}   ${s.rate === undefined ? '' : `${count(s.rate)} items/s`}`,
    `  segment ${s.segment} (${s.execution})   restarts ${s.restarts}   polls ${s.polls}${s.waits ? `   waits ${count(s.waits)}` : ''}`,
    `  state ${s.state ?? '-'}${waiting(s) ? `   ${waiting(s)}` : ''}`,
  ];
}

/** "waiting for quota, next call in 2 min 40 s" while the run waits for its quota. */
export function waiting(s: Pick<ProgressSnapshot, 'nextCallInMs'>): string | undefined {
  if (s.nextCallInMs === undefined) return undefined;
  return `waiting for quota, next call in ${duration(Math.max(0, s.nextCallInMs))}`;
}

/** The snapshot as one plain line. */
export function progressLine(s: ProgressSnapshot): string {
  return [
    `page ${count(s.pages)}`,
    `items ${count(s.items)}`,
    ...(s.rate === undefined ? [] : [`${count(s.rate)} items/s`]),
    `segment ${s.segment}`,
    `restarts ${s.restarts}`,
    `polls ${s.polls}`,
    ...(s.waits ? [`waits ${count(s.waits)}`] : []),
    `state ${s.state ?? '-'}`,
    ...(waiting(s) ? [waiting(s) as string] : []),
    `[${s.executionStatus}]`,
  ].join('  ');
}

/** What makes a plain line worth printing: anything but the clock and the rate. */
const progressKey = (s: ProgressSnapshot) =>
  [s.execution, s.executionStatus, s.state, s.pages, s.items, s.restarts, s.polls, s.waits, s.runStatus].join(
    '|',
  );

/** Shows successive snapshots on `output`: redrawn on a TTY, a line per change otherwise. */
export class ProgressDisplay {
  private drawn = 0;
  private lastKey?: string;

  constructor(private readonly output: Output) {}

  show(snapshot: ProgressSnapshot): void {
    if (this.output.isTTY) {
      const lines = progressBlock(snapshot);
      // Move to the start of the block drawn last time, then overwrite it line by line.
      const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
      this.output.write(`${up}${lines.map((line) => `\x1b[2K${line}\n`).join('')}`);
      this.drawn = lines.length;
      return;
    }
    const key = progressKey(snapshot);
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.output.out(progressLine(snapshot));
  }

  /** A line that stays (a segment change, the end): printed below the block, which is then redrawn under it. */
  note(line: string): void {
    if (this.output.isTTY && this.drawn > 0) {
      this.output.write(`\x1b[${this.drawn}F\x1b[0J`);
      this.drawn = 0;
    }
    this.output.out(line);
  }
}
