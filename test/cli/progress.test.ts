import { describe, expect, it } from 'vitest';
import type { Output } from '../../cli/context';
import { ProgressDisplay, type ProgressSnapshot } from '../../cli/progress';

const snapshot = (pages: number, extra: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  runId: 'r',
  execution: 'r',
  executionStatus: 'RUNNING',
  segment: 1,
  state: 'Fetch next page',
  pages,
  items: pages * 100,
  restarts: 0,
  polls: 0,
  rate: 1000,
  elapsedMs: pages * 100,
  ...extra,
});

function capture(isTTY: boolean) {
  const written: string[] = [];
  const output: Output = {
    isTTY,
    out: (line) => written.push(`${line}\n`),
    err: () => undefined,
    write: (text) => written.push(text),
  };
  return { written, display: new ProgressDisplay(output) };
}

describe('progress on a terminal', () => {
  it('redraws one block in place: cursor up over the last block, each line cleared', () => {
    const { written, display } = capture(true);
    display.show(snapshot(1));
    display.show(snapshot(2));
    expect(written[0]?.startsWith('\x1b[2Krun r   running')).toBe(true);
    expect(written[1]?.startsWith('\x1b[4F\x1b[2Krun r')).toBe(true);
    expect(written[1]).toContain('pages       2   items        200   1,000 items/s');
  });

  it('prints notes above the block, which is drawn again below them', () => {
    const { written, display } = capture(true);
    display.show(snapshot(1));
    display.note('r continued as r-s2');
    display.show(snapshot(2));
    expect(written.slice(1, 3)).toEqual(['\x1b[4F\x1b[0J', 'r continued as r-s2\n']);
    expect(written[3]?.startsWith('\x1b[2Krun r')).toBe(true);
    expect(written).toHaveLength(4);
  });
});

describe('progress off a terminal', () => {
  it('prints a plain line only when something but the clock changed', () => {
    const { written, display } = capture(false);
    display.show(snapshot(1));
    display.show(snapshot(1, { elapsedMs: 999, rate: 5 }));
    display.show(snapshot(2));
    expect(written).toEqual([
      'page 1  items 100  1,000 items/s  segment 1  restarts 0  polls 0  state Fetch next page  [RUNNING]\n',
      'page 2  items 200  1,000 items/s  segment 1  restarts 0  polls 0  state Fetch next page  [RUNNING]\n',
    ]);
    expect(written.join('')).not.toContain('\x1b');
  });
});

describe('progress of a run that waits for its quota', () => {
  it('counts the waits and says how long until the next call', () => {
    const { written, display } = capture(false);
    display.show(snapshot(3, { state: 'Wait for quota', waits: 2, nextCallInMs: 160_000 }));

    expect(written).toEqual([
      'page 3  items 300  1,000 items/s  segment 1  restarts 0  polls 0  waits 2  state Wait for quota  waiting for quota, next call in 2 min 40 s  [RUNNING]\n',
    ]);
  });

  it('shows the wait on the terminal block too', () => {
    const { written, display } = capture(true);
    display.show(snapshot(3, { state: 'Wait for quota', waits: 2, nextCallInMs: 4_000 }));

    expect(written[0]).toContain('polls 0   waits 2');
    expect(written[0]).toContain('state Wait for quota   waiting for quota, next call in 4.0 s');
  });
});
