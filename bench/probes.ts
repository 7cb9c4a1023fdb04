/**
 * Measuring instruments for a child process: time inside SDK calls, the V8 heap
 * high-water mark and the RSS high-water mark (heap.ts turns heap readings into per-unit figures). They observe production code from outside (SDK prototypes, V8), so
 * nothing under functions/ or local/ changes for the bench.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { GlueClient } from '@aws-sdk/client-glue';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CallTimes } from './types';

/** Busy time of a category of calls that may overlap: the union of their in-flight intervals. */
class BusyClock {
  private inFlight = 0;
  private busySince = 0;
  totalMs = 0;
  calls = 0;

  begin(): void {
    this.calls += 1;
    if (this.inFlight++ === 0) this.busySince = performance.now();
  }

  end(): void {
    if (--this.inFlight === 0) this.totalMs += performance.now() - this.busySince;
  }

  reset(): void {
    this.totalMs = 0;
    this.calls = 0;
  }
}

type Send = (this: unknown, command: object, ...rest: unknown[]) => Promise<unknown>;

/**
 * Overlapping calls are possible (a page's batch writes run together, and a handler may
 * touch the run record while other calls are in flight), so besides a clock per kind there
 * are clocks for unions of kinds: differences of unions split the wall time exactly.
 */
const clocks = {
  glue: new BusyClock(),
  itemWrite: new BusyClock(),
  /** GetJobRuns or BatchWriteItem in flight. */
  glueOrItemWrite: new BusyClock(),
  /** Any SDK call in flight. */
  anyCall: new BusyClock(),
};
/** Run-record writes (Put/Update), which cost write units; reads (Get) do not. */
let runRecordWrites = 0;
let installed = false;
/** Called after every SDK call that answered, with its output still referenced; see onSdkCallAnswered. */
let answeredHook: (() => void) | undefined;

/**
 * Calls `hook` after every probed SDK call answered, before its caller sees the output, so
 * the output and everything else in flight is still reachable (undefined removes it). The
 * live-heap pass forces a GC there.
 */
export function onSdkCallAnswered(hook: (() => void) | undefined): void {
  answeredHook = hook;
}

/** GetJobRuns calls since the last reset: pages read. */
export function glueCallCount(): number {
  return clocks.glue.calls;
}

/** Wraps `send` on a client class's prototype so every instance, however created, is timed. */
function timeSends(
  clientClass: { prototype: object },
  clocksFor: (commandName: string) => BusyClock[],
): void {
  const original = (clientClass.prototype as { send: Send }).send;
  const timed: Send = async function (this: unknown, command, ...rest) {
    const running = clocksFor(command.constructor.name);
    for (const clock of running) clock.begin();
    let output: unknown;
    try {
      output = await original.call(this, command, ...rest);
    } finally {
      for (const clock of running) clock.end();
    }
    // After the clocks stop, so a GC it forces never counts as call time.
    answeredHook?.();
    return output;
  };
  Object.defineProperty(clientClass.prototype, 'send', { value: timed, configurable: true, writable: true });
}

/**
 * Times every GetJobRuns and every DynamoDB document-client call in this process, the
 * handlers' module-scope clients included (they share these classes' prototypes).
 */
export function installCallProbes(): void {
  if (installed) return;
  installed = true;
  timeSends(GlueClient, () => [clocks.glue, clocks.glueOrItemWrite, clocks.anyCall]);
  timeSends(DynamoDBDocumentClient, (name) => {
    if (name === 'BatchWriteCommand') return [clocks.itemWrite, clocks.glueOrItemWrite, clocks.anyCall];
    if (name === 'PutCommand' || name === 'UpdateCommand') runRecordWrites += 1;
    return [clocks.anyCall];
  });
}

/** Zeroes the call clocks, so the untimed warm-up does not count. */
export function resetCallProbes(): void {
  for (const clock of Object.values(clocks)) clock.reset();
  runRecordWrites = 0;
}

/** The call clocks since the last reset. */
export function readCallProbes(): CallTimes {
  if (clocks.glue.calls === 0) {
    // The prototype patch missed the client the code used (e.g. a second copy of the SDK).
    throw new Error('no GetJobRuns call was observed: the SDK call probes are not installed on that client');
  }
  return {
    glueMs: clocks.glue.totalMs,
    itemWriteMs: clocks.itemWrite.totalMs,
    glueOrItemWriteMs: clocks.glueOrItemWrite.totalMs,
    // Clamped: with no other calls the two clocks differ only by rounding.
    runRecordMs: Math.max(0, clocks.anyCall.totalMs - clocks.glueOrItemWrite.totalMs),
    anyCallMs: clocks.anyCall.totalMs,
    glueCalls: clocks.glue.calls,
    itemWriteCalls: clocks.itemWrite.calls,
    otherDynamoCalls: clocks.anyCall.calls - clocks.glueOrItemWrite.calls,
    runRecordWrites,
  };
}

/**
 * The V8 used-heap high-water mark. Used heap only falls at a garbage collection, so its
 * maximum over an interval is either just before one of the GCs in the interval (which
 * v8.GCProfiler reports) or at the end of the interval (read directly): no polling, and no
 * allocation burst slips between samples.
 */
export class HeapPeak {
  private profiler = new GCProfiler();
  private running = false;
  private sinceMark = 0;
  /** Highest used heap since start(). */
  private overall = 0;

  start(): void {
    this.sinceMark = usedHeap();
    this.overall = this.sinceMark;
    this.profiler.start();
    this.running = true;
  }

  /**
   * Folds in the GCs since the last call and returns the peak since the last mark. Called
   * often (per page), it also keeps the profiler's native record of GCs small.
   */
  peekSinceMark(): number {
    // Outside start()..stop() (the untimed warm-up) there is nothing to fold in.
    if (this.running) {
      const { statistics } = this.profiler.stop();
      this.profiler.start();
      for (const gc of statistics) this.observe(gc.beforeGC.heapStatistics.usedHeapSize);
    }
    this.observe(usedHeap());
    return this.sinceMark;
  }

  /** Starts a new interval whose peak peekSinceMark() reports; returns the used heap now. */
  mark(): number {
    this.peekSinceMark();
    this.sinceMark = usedHeap();
    return this.sinceMark;
  }

  /**
   * Folds in the GCs so far, runs `collect` (a forced GC) unobserved and starts a new
   * interval at the heap after it; returns that heap. Reading the profiler allocates (an
   * object per GC it recorded), so it is read before the GC, never between the GC and the
   * heap reading, and the forced GC's own before-GC reading belongs to neither interval.
   */
  markAfter(collect: () => void): number {
    this.peekSinceMark();
    if (this.running) this.profiler.stop();
    collect();
    if (this.running) this.profiler.start();
    this.sinceMark = usedHeap();
    return this.sinceMark;
  }

  /** Stops the profiler; returns the highest used heap since start(). */
  stop(): number {
    this.peekSinceMark();
    this.profiler.stop();
    this.running = false;
    return this.overall;
  }

  private observe(bytes: number): void {
    if (bytes > this.sinceMark) this.sinceMark = bytes;
    if (bytes > this.overall) this.overall = bytes;
  }
}

/** Bytes of V8 heap in use now. */
export function usedHeap(): number {
  return getHeapStatistics().used_heap_size;
}

/**
 * The resident-set high-water mark over the drain. Not getrusage's maxrss: after fork+exec
 * Linux seeds it from the parent (here the process hosting dynalite), so a child can report
 * its parent's size. /proc/self/status VmHWM belongs to this process's own address space,
 * and writing 5 to /proc/self/clear_refs resets it, so it covers exactly the drain. Where
 * /proc is missing, RSS is sampled every 5 ms instead.
 */
export class RssPeak {
  private sampler: NodeJS.Timeout | undefined;
  private sampled = 0;

  start(): void {
    try {
      writeFileSync('/proc/self/clear_refs', '5');
      readVmHwm();
    } catch {
      this.sampled = process.memoryUsage.rss();
      this.sampler = setInterval(() => {
        this.sampled = Math.max(this.sampled, process.memoryUsage.rss());
      }, 5);
    }
  }

  stop(): number {
    if (!this.sampler) return readVmHwm();
    clearInterval(this.sampler);
    return Math.max(this.sampled, process.memoryUsage.rss());
  }
}

function readVmHwm(): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!match?.[1]) throw new Error('no VmHWM in /proc/self/status');
  return Number(match[1]) * 1024;
}
