/**
 * A memory probe for the long local runs (the 10M soak, the 10,000-job sync), loaded into the
 * process that runs them and observing it from outside, as bench/probes.ts does for the bench:
 *
 *   NODE_OPTIONS="--expose-gc --import ./bench/memory-probe.mjs" npm start -- ...
 *
 * Node passes NODE_OPTIONS to npm and tsx too; the probe stays idle in every process where the
 * local engine invokes no handler. In the one that runs the engine it writes JSON lines to
 * PAGEWALK_MEMORY_LOG (default memory-probe.jsonl in the working folder):
 * - `held`: after a forced full GC when a page-fetch invocation ends (nothing of it is in
 *   flight then), the process's live heap and RSS; for the first 10 invocations and every
 *   PAGEWALK_MEMORY_EVERY-th (default 50) after;
 * - `sample`: every 10 s, RSS (and on Linux its anonymous and file-backed parts), V8's heap
 *   (used and committed), external and ArrayBuffer memory, without a GC;
 * - `exit`: the peak RSS (VmHWM) and the sample taken nearest to it; per function, its
 *   invocations and their duration summed (each rounded up to the millisecond, as Lambda bills);
 *   the AWS requests the handlers made, by X-Amz-Target (what DynamoDB, Glue and Step
 *   Functions would bill);
 * and prints one line to stderr at exit. It reads the invocations the engine announces on the
 * `pagewalk:local:invocation` diagnostics channel (local/engine/lambda-task.ts) and Node's own
 * `http.client.request.start`.
 */
import { subscribe } from 'node:diagnostics_channel';
import { appendFileSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const LOG = process.env.PAGEWALK_MEMORY_LOG ?? 'memory-probe.jsonl';
const EVERY = Number(process.env.PAGEWALK_MEMORY_EVERY ?? 50);
const FIRST = 10;
const SAMPLE_MS = 10_000;
const FETCH_PAGE = 'pagewalk-fetch-page';

const mb = (bytes) => Math.round((bytes / 1_048_576) * 10) / 10;
const startedAt = Date.now();
const seconds = () => Math.round((Date.now() - startedAt) / 100) / 10;
const write = (record) => appendFileSync(LOG, `${JSON.stringify({ pid: process.pid, ...record })}\n`);

/** The resident-set high-water mark of this process (Linux), else the RSS now. */
function peakRss() {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux: fall through
  }
  return process.memoryUsage.rss();
}

/**
 * The resident set split as Linux counts it: anonymous memory (what the process holds: the V8
 * heap, native allocations) and file-backed pages (the node binary, and the table files
 * LevelDB maps into memory to read them: clean pages the kernel drops under pressure).
 */
function residentSplit() {
  try {
    const text = readFileSync('/proc/self/smaps_rollup', 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? Number.NaN);
    const anonymous = kb('Anonymous') * 1024;
    return { anonymousMB: mb(anonymous), fileBackedMB: mb(kb('Rss') * 1024 - anonymous) };
  } catch {
    return {};
  }
}

function usage() {
  const m = process.memoryUsage();
  return {
    ...residentSplit(),
    rssMB: mb(m.rss),
    heapUsedMB: mb(m.heapUsed),
    heapTotalMB: mb(m.heapTotal),
    externalMB: mb(m.external),
    arrayBuffersMB: mb(m.arrayBuffers),
  };
}

let active = false;
let invocations = 0;
let invocationsAll = 0;
const held = [];
let largest = { rssMB: 0 };
/** Per function: invocations and billed milliseconds. */
const functions = {};
const openInvocations = new Map();
/** AWS requests by X-Amz-Target, once a handler has run (the runtime's own setup calls are left out). */
const requests = {};

subscribe('http.client.request.start', ({ request }) => {
  if (!active) return;
  const target = request.getHeader('x-amz-target');
  if (typeof target === 'string') requests[target] = (requests[target] ?? 0) + 1;
});

function activate() {
  active = true;
  if (typeof globalThis.gc !== 'function') {
    process.stderr.write('memory probe: run node with --expose-gc to read the held heap\n');
  }
  const timer = setInterval(() => {
    const sample = { kind: 'sample', t: seconds(), ...usage() };
    if (sample.rssMB >= largest.rssMB) largest = sample;
    write(sample);
  }, SAMPLE_MS);
  timer.unref();
  process.on('exit', finish);
}

subscribe('pagewalk:local:invocation', (message) => {
  const { functionName, awsRequestId, phase } = message;
  if (!active) activate();
  if (phase === 'start') {
    openInvocations.set(awsRequestId, performance.now());
    return;
  }
  invocationsAll += 1;
  const began = openInvocations.get(awsRequestId);
  openInvocations.delete(awsRequestId);
  functions[functionName] ??= { invocations: 0, billedMs: 0 };
  const fn = functions[functionName];
  fn.invocations += 1;
  if (began !== undefined) fn.billedMs += Math.ceil(performance.now() - began);
  if (functionName !== FETCH_PAGE) return;
  invocations += 1;
  if ((invocations > FIRST && invocations % EVERY !== 0) || typeof globalThis.gc !== 'function') return;
  globalThis.gc();
  const record = { kind: 'held', invocation: invocations, t: seconds(), ...usage() };
  held.push(record);
  write(record);
});

function finish() {
  const peakMB = mb(peakRss());
  write({
    kind: 'exit',
    t: seconds(),
    invocations,
    invocationsAll,
    peakRssMB: peakMB,
    atLargestSample: largest,
    functions,
    requests,
  });
  const first = held.slice(0, FIRST).map((r) => r.heapUsedMB);
  const last = held.slice(-FIRST).map((r) => r.heapUsedMB);
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const heldLine =
    held.length > 0
      ? `; live heap after a GC between invocations: ${median(first)} MB over the first ${first.length} read, ${median(last)} MB over the last ${last.length} (invocations ${held.at(-last.length).invocation}–${held.at(-1).invocation})`
      : '';
  process.stderr.write(
    `memory probe: ${invocations} page-fetch invocations (${invocationsAll} handler invocations); peak RSS ${peakMB} MB${heldLine}; log ${LOG}\n`,
  );
}
