import { describe, expect, it } from 'vitest';
import { processCpuMs, startCpuCount } from '../../bench/cpu';
import { cpuBound } from '../../bench/summary';

/** Keeps this thread busy until the process has used `ms` more of CPU, however loaded the machine. */
function spin(ms: number): void {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    for (let i = 0; i < 10_000; i++) x += Math.sqrt(x + 1);
    const used = process.cpuUsage(start);
    if (used.user + used.system >= ms * 1000) break;
  }
  expect(x).toBeGreaterThan(0);
}

describe.runIf(process.platform === 'linux')('the CPU a drain counts', () => {
  it("reads a process's CPU from /proc, and it grows while the process works", () => {
    const before = processCpuMs(process.pid);
    spin(300);
    const after = processCpuMs(process.pid);

    expect(before).toBeTypeOf('number');
    // /proc counts in 10 ms ticks: 300 ms of CPU reads as at least 280.
    expect((after as number) - (before as number)).toBeGreaterThanOrEqual(280);
  });

  it('says nothing for a process that is not there, and counts no drain without its services', () => {
    expect(processCpuMs(2 ** 22 + 12_345)).toBeUndefined();
    expect(startCpuCount({ dynamo: 2 ** 22 + 12_345, glue: process.pid })()).toBeUndefined();
  });

  it("counts the drain's own CPU and each service's over the same span", () => {
    const stop = startCpuCount({ dynamo: process.pid, glue: process.pid });
    spin(200);
    const cpu = stop();

    expect(cpu?.drainMs).toBeGreaterThanOrEqual(150);
    // Here the "services" are this process too: they saw the same work, to /proc's tick.
    expect(Math.abs((cpu?.dynamoMs ?? 0) - (cpu?.drainMs ?? 0))).toBeLessThan(60);
    expect(cpu?.cores).toBeGreaterThanOrEqual(1);
  });
});

describe('the CPU bound of a page', () => {
  it("is the three processes' CPU a page, spread over the cores they share", () => {
    expect(cpuBound({ drain: 22, dynamo: 30, glue: 2, cores: 2 })).toBe(27);
    expect(cpuBound({ drain: 22, dynamo: 30, glue: 2, cores: 4 })).toBe(13.5);
  });
});
