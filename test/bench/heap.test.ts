import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { GetJobRunsCommand } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveSampler, WorkSampler } from '../../bench/heap';
import { HeapPeak, installCallProbes, usedHeap } from '../../bench/probes';
import { sandboxGlueClient } from '../support/glue-client';

const MB = 2 ** 20;

// The bench child runs with --expose-gc; a test worker gets the same gc() this way.
setFlagsFromString('--expose-gc');
(globalThis as { gc?: unknown }).gc = runInNewContext('gc');

/** About `mb` MB of small heap objects (not a Buffer, which lives outside the V8 heap). */
const objects = (mb: number) => Array.from({ length: mb * 20_000 }, (_, i) => ({ i, s: `row ${i}` }));

let server: Server;
let url: string;

beforeAll(async () => {
  // GetJobRuns answered with an empty page, as Glue's JSON protocol does.
  server = createServer((request, response) => {
    request.resume().on('end', () => {
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end('{"JobRuns":[]}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  installCallProbes();
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the timed drain heap sampler', () => {
  it('counts what a unit keeps as retained and what it only allocated as neither retained nor held', () => {
    const heap = new HeapPeak();
    const sampler = new WorkSampler(heap, 1, usedHeap());
    heap.start();
    const kept: unknown[] = [];
    sampler.next();
    kept.push(objects(8));
    sampler.next();
    // Garbage only: allocated and dropped within the unit.
    for (let i = 0; i < 4; i++) objects(8).length;
    sampler.finish();
    heap.stop();
    const memory = sampler.result();
    expect(memory.sampledUnits).toBe(2);
    expect(memory.retainedMaxBytes).toBeGreaterThan(4 * MB);
    // The median of the two units: the garbage-only one retains (about) nothing.
    expect(Math.abs(memory.retainedP50Bytes)).toBeLessThan(1 * MB);
    expect(memory.heldMaxBytes).toBeGreaterThan(4 * MB);
    expect(kept).toHaveLength(1);
  });
});

describe('the live-heap pass', () => {
  it('sees what a unit holds while an SDK call is in flight, though the unit dropped it before its end', async () => {
    const glue = sandboxGlueClient(url);
    const sampler = new LiveSampler();
    sampler.next();
    let page: unknown[] | undefined = objects(8);
    await glue.send(new GetJobRunsCommand({ JobName: 'job' }));
    expect(page).toHaveLength(8 * 20_000);
    page = undefined;
    sampler.next();
    await glue.send(new GetJobRunsCommand({ JobName: 'job' }));
    const live = sampler.result(2);
    glue.destroy();

    expect(live.units).toBe(2);
    expect(live.probes).toBe(2);
    expect(live.peakLiveBytes).toBeGreaterThan(4 * MB);
    expect(live.pagesInPeakUnit).toBe(1);
    // Each unit read one page; the first held the objects at its only page.
    expect(live.liveByPageBytes).toHaveLength(1);
    expect(live.liveByPageBytes[0]).toBe(live.peakLiveBytes);
    expect(live.peakLiveP50Bytes).toBeLessThan(live.peakLiveBytes);
  });
});
