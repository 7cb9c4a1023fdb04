/**
 * Heap figures per unit of work (a page of a baseline loop, a page-fetch invocation of
 * pagewalk), from forced full GCs (the child runs with --expose-gc).
 *
 * V8's used heap includes garbage not yet collected: the young generation fills to its
 * capacity before a scavenge, so the high-water mark of a unit grows with the allocation
 * the unit does (pages read), up to that capacity, whatever the unit keeps. Two figures
 * here say what a unit really holds:
 * - retained (WorkSampler, in the timed drain): the heap after a forced GC at the unit's end
 *   minus after one at its start, both where nothing is in flight;
 * - peak live (LiveSampler, in a separate untimed pass): the largest heap after a forced GC
 *   at every SDK call the unit made, when it answered, minus the heap at the unit's start.
 */
import { performance } from 'node:perf_hooks';
import { compositionGrowth, type HeapComposition, heapComposition } from './heap-composition';
import { glueCallCount, type HeapPeak, onSdkCallAnswered, usedHeap } from './probes';
import type { LiveMemory, WorkMemory } from './types';

/** A full GC; returns how long it took, in ms. */
export function forceGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the bench child must run with node --expose-gc');
  const started = performance.now();
  gc();
  return performance.now() - started;
}

/** What a drain marks its units of work with; the drains call next() as one begins. */
export interface WorkUnits {
  /** Starts a unit (ending the one in progress, if any). */
  next(): void;
  /** Ends the unit in progress. */
  finish(): void;
}

const medianOf = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
};

/**
 * The timed drain's heap per unit. Every `every`-th unit starts and ends with a forced full
 * GC: both happen between units, where every variant has nothing in flight (a baseline
 * between pages, pagewalk between invocations), so leaving their time out of the wall time
 * is exact. The high-water mark in between is kept too, labelled as what it is.
 */
export class WorkSampler implements WorkUnits {
  private units = 0;
  private retained: number[] = [];
  private highWater: number[] = [];
  private sampledPages = 0;
  private held = 0;
  private gcMs = 0;
  private gcCpuMs = 0;
  private composed: HeapComposition | undefined;
  private current: { sampled: boolean; base: number; pagesAtStart: number } | undefined;

  /**
   * @param drainBase the heap after a forced GC just before the drain.
   * @param composeAfter when given, the first sampled unit to end with at least `pages` pages
   *   read also takes a heap snapshot, whose composition is compared with `base` (taken just
   *   before the drain): what the held heap is made of late in the drain. Its time is left out.
   */
  constructor(
    private readonly heap: HeapPeak,
    private readonly every: number,
    private readonly drainBase: number,
    private readonly composeAfter?: { readonly pages: number; readonly base: HeapComposition },
  ) {}

  next(): void {
    this.finish();
    const sampled = this.units++ % this.every === 0;
    const base = sampled ? this.heap.markAfter(() => this.leftOut(forceGc)) : 0;
    this.current = { sampled, base, pagesAtStart: glueCallCount() };
  }

  finish(): void {
    const unit = this.current;
    this.current = undefined;
    if (!unit) return;
    const peak = this.heap.peekSinceMark();
    if (!unit.sampled) return;
    // After the profiler was read (peekSinceMark), so its readings are garbage to this GC.
    this.leftOut(forceGc);
    const after = usedHeap();
    this.retained.push(after - unit.base);
    this.highWater.push(peak - unit.base);
    this.sampledPages += glueCallCount() - unit.pagesAtStart;
    this.held = Math.max(this.held, after - this.drainBase);
    const composeAfter = this.composeAfter;
    if (composeAfter && !this.composed && glueCallCount() >= composeAfter.pages) {
      this.leftOut(() => {
        this.composed = compositionGrowth(composeAfter.base, heapComposition());
      });
    }
  }

  /** Runs the measurement's own work, whose wall and CPU time the drain's figures leave out. */
  private leftOut(work: () => unknown): void {
    const started = performance.now();
    const cpu = process.cpuUsage();
    work();
    this.gcMs += performance.now() - started;
    const used = process.cpuUsage(cpu);
    this.gcCpuMs += (used.user + used.system) / 1000;
  }

  /** What the sampled units retained and reached; see WorkMemory. */
  result(): WorkMemory {
    const retainedSum = this.retained.reduce((total, bytes) => total + bytes, 0);
    return {
      units: this.units,
      sampledUnits: this.retained.length,
      sampledPages: this.sampledPages,
      retainedP50Bytes: medianOf(this.retained),
      retainedMaxBytes: Math.max(0, ...this.retained),
      retainedPerPageBytes: this.sampledPages > 0 ? retainedSum / this.sampledPages : 0,
      heldMaxBytes: this.held,
      ...(this.composed ? { heldComposition: this.composed } : {}),
      highWaterP50Bytes: medianOf(this.highWater),
      forcedGcMs: this.gcMs,
      forcedGcCpuMs: this.gcCpuMs,
    };
  }
}

/** Samples about 25 units per drain: enough for a median, few enough forced GCs. */
export function sampleEvery(expectedUnits: number): number {
  return Math.max(1, Math.floor(expectedUnits / 25));
}

/**
 * The live-heap pass: every unit starts with a forced GC, and every SDK call it makes is
 * followed by another as soon as the call answered, with its output and everything else in
 * flight still reachable (the pages being fetched, written and checkpointed). That is where
 * a unit holds the most: a page arrives (GetJobRuns) or leaves (BatchWriteItem). The GCs
 * slow the drain, so the pass is untimed and separate from the timed drain.
 */
export class LiveSampler implements WorkUnits {
  private units: { live: number; pages: number }[] = [];
  private byPage: number[] = [];
  private probes = 0;
  private current: { base: number; peak: number; pagesAtStart: number } | undefined;

  constructor() {
    onSdkCallAnswered(() => {
      const unit = this.current;
      if (!unit) return;
      forceGc();
      this.probes += 1;
      const heap = usedHeap();
      unit.peak = Math.max(unit.peak, heap);
      // While the unit's k-th page is read or written (k ≥ 1 once its first GetJobRuns began).
      const k = Math.max(1, glueCallCount() - unit.pagesAtStart);
      this.byPage[k - 1] = Math.max(this.byPage[k - 1] ?? 0, heap - unit.base);
    });
  }

  next(): void {
    this.finish();
    forceGc();
    const base = usedHeap();
    this.current = { base, peak: base, pagesAtStart: glueCallCount() };
  }

  finish(): void {
    const unit = this.current;
    this.current = undefined;
    if (!unit) return;
    forceGc();
    const peak = Math.max(unit.peak, usedHeap());
    this.units.push({ live: peak - unit.base, pages: glueCallCount() - unit.pagesAtStart });
  }

  /** Ends the pass (the probes stop) and returns what its units held; see LiveMemory. */
  result(pages: number): LiveMemory {
    this.finish();
    onSdkCallAnswered(undefined);
    const peakUnit = this.units.reduce((top, unit) => (unit.live > top.live ? unit : top), {
      live: 0,
      pages: 0,
    });
    return {
      pages,
      units: this.units.length,
      probes: this.probes,
      peakLiveBytes: peakUnit.live,
      peakLiveP50Bytes: medianOf(this.units.map((u) => u.live)),
      pagesInPeakUnit: peakUnit.pages,
      maxPagesPerUnit: Math.max(0, ...this.units.map((u) => u.pages)),
      liveByPageBytes: Array.from(this.byPage, (bytes) => bytes ?? 0),
    };
  }
}
