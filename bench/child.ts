/**
 * One measured drain in a process of its own, so no variant shares a heap, an RSS
 * high-water mark or a JIT state with another. Started by run.ts with
 * `node --expose-gc --import tsx bench/child.ts '<ChildJob JSON>'` and the endpoint
 * variables of its own dynalite and of the Glue sandbox; sends one RunResult over IPC.
 */
import { performance } from 'node:perf_hooks';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoItemSize } from '../functions/lib/store/item-size';
import { PARTITION_KEY } from '../functions/lib/store/table-schema';
import { readRunRecord } from '../local/inspect';
import { type LocalStack, startLocalStack } from '../local/stack';
import { startCpuCount } from './cpu';
import { forceGc, LiveSampler, sampleEvery, WorkSampler } from './heap';
import { heapComposition } from './heap-composition';
import { HeapPeak, installCallProbes, RssPeak, readCallProbes, resetCallProbes, usedHeap } from './probes';
import type { ChildJob, LiveMemory, RunResult } from './types';
import { createVariant, expectedUnits, type Variant } from './variants';

/**
 * The untimed live-heap pass: the job's first `pages` pages again, with a forced GC after
 * every SDK call inside a unit (LiveSampler). It rewrites the same rows, so the parent's
 * row count is unchanged.
 */
async function livePass(variant: Variant, jobName: string, pages: number): Promise<LiveMemory> {
  const sampler = new LiveSampler();
  const outcome = await variant.drain(jobName, sampler, pages);
  return sampler.result(outcome.pages);
}

/** The DynamoDB size of the first page of rows the drain stored, averaged. */
async function averageRowBytes(stack: LocalStack, collection: string): Promise<number> {
  const out = await stack.documentClient.send(
    new QueryCommand({
      TableName: stack.tableName,
      KeyConditionExpression: '#pk = :c',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      ExpressionAttributeValues: { ':c': collection },
      Limit: 200,
    }),
  );
  const rows = out.Items ?? [];
  return rows.reduce((total, row) => total + dynamoItemSize(row), 0) / Math.max(1, rows.length);
}

async function measure(job: ChildJob): Promise<Omit<RunResult, 'itemsInTable'>> {
  // Adopts the endpoints run.ts set (AWS_ENDPOINT_URL_*), creates this child's table and sets
  // TABLE_NAME, all before the handlers are imported and read them.
  const stack = await startLocalStack({ tableName: job.tableName });
  try {
    installCallProbes();
    const variant = await createVariant(job.variant, {
      client: (await import('../functions/lib/store/dynamo')).documentClient,
      tableName: job.tableName,
      pageSize: job.pageSize,
      pagesPerInvocation: job.pagesPerInvocation,
      latency: job.latency,
    });
    const heap = new HeapPeak();
    const rss = new RssPeak();

    // Untimed, and sampled at every unit so the sampling path is warm as well.
    await variant.drain(job.warmupJobName, new WorkSampler(heap, 1, usedHeap()));
    resetCallProbes();
    // What the held heap is made of, late in the drain against just before it: once per
    // (variant, size), for B and pagewalk (A holds every run; pagewalkAws runs pagewalk's code).
    const compose = job.run === 1 && (job.variant === 'baselineB' || job.variant === 'pagewalk');
    const base = compose ? heapComposition() : undefined;
    forceGc();
    const heapBeforeBytes = usedHeap();
    const rssBeforeBytes = process.memoryUsage.rss();
    const every = sampleEvery(expectedUnits(job.variant, job.size, job.pageSize, job.pagesPerInvocation));
    const pages = Math.ceil(job.size / job.pageSize);
    const work = new WorkSampler(
      heap,
      every,
      heapBeforeBytes,
      base ? { pages: Math.ceil(0.9 * pages), base } : undefined,
    );

    rss.start();
    heap.start();
    const cpuOfDrain = startCpuCount(job.servicePids);
    const started = performance.now();
    const outcome = await variant.drain(job.jobName, work);
    const elapsedMs = performance.now() - started;
    const counted = cpuOfDrain();
    const heapPeakBytes = heap.stop();
    const rssPeakBytes = rss.stop();
    const calls = readCallProbes();

    const workMemory = work.result();
    // The forced GCs are the measurement's, not the drain's.
    const wallMs = elapsedMs - workMemory.forcedGcMs;
    const cpu = counted && { ...counted, drainMs: counted.drainMs - workMemory.forcedGcCpuMs };
    const record = outcome.engine
      ? await readRunRecord(stack.documentClient, stack.tableName, outcome.runId)
      : undefined;
    const avgItemBytes = await averageRowBytes(stack, `glue.getJobRuns#${job.jobName}`);
    // After everything the timed drain reports has been read: the pass writes the same rows again.
    const live = job.livePages > 0 ? await livePass(variant, job.jobName, job.livePages) : undefined;
    const memory = {
      heapBeforeBytes,
      heapPeakBytes,
      rssBeforeBytes,
      rssPeakBytes,
      work: workMemory,
      ...(live ? { live } : {}),
    };
    return {
      variant: job.variant,
      size: job.size,
      run: job.run,
      items: outcome.items,
      pages: outcome.pages,
      wallMs,
      itemsPerSecond: outcome.items / (wallMs / 1000),
      calls,
      memory,
      avgItemBytes,
      runRecordBytes: record ? dynamoItemSize(record as unknown as Record<string, unknown>) : 0,
      ...(outcome.handler ? { handler: outcome.handler } : {}),
      ...(outcome.engine ? { engine: outcome.engine } : {}),
      ...(cpu ? { cpu } : {}),
    };
  } finally {
    await stack.close();
  }
}

async function main(): Promise<void> {
  const spec = process.argv[2];
  if (!spec || !process.send) throw new Error('bench/child.ts is started by bench/run.ts, not by hand');
  const result = await measure(JSON.parse(spec) as ChildJob);
  // Wait for the message to leave before exiting, or the parent may never see it.
  await new Promise<void>((resolve, reject) =>
    process.send?.({ result }, undefined, {}, (error) => (error ? reject(error) : resolve())),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
