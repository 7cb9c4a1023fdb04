/**
 * CPU time over the timed drain, per process: the drain's own (the Lambda code, and for
 * pagewalk the local engine as well), its dynalite's and the Glue sandbox's. On this machine
 * the three share its cores, which AWS's services do not: when they want more CPU than the
 * cores have, a page costs at least their CPU ÷ the cores, whatever overlaps.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Linux reports /proc/<pid>/stat times in USER_HZ ticks, 100 a second on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system) a process has used, or undefined where /proc cannot say. */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : undefined;
}

/** The processes besides the drain's own whose CPU a drain counts. */
export interface ServicePids {
  readonly dynamo: number;
  readonly glue: number;
}

/** CPU milliseconds over one drain. */
export interface DrainCpu {
  /** This process: the Lambda code and, for pagewalk, the local engine (all threads). */
  readonly drainMs: number;
  readonly dynamoMs: number;
  readonly glueMs: number;
  /** The cores the machine offers the three. */
  readonly cores: number;
}

/** Starts counting; the returned function stops and reads (undefined when a service's /proc is unreadable). */
export function startCpuCount(pids: ServicePids | undefined): () => DrainCpu | undefined {
  const self = process.cpuUsage();
  const dynamo = pids && processCpuMs(pids.dynamo);
  const glue = pids && processCpuMs(pids.glue);
  return () => {
    const used = process.cpuUsage(self);
    const dynamoEnd = pids && processCpuMs(pids.dynamo);
    const glueEnd = pids && processCpuMs(pids.glue);
    if (dynamo === undefined || glue === undefined || dynamoEnd === undefined || glueEnd === undefined) {
      return undefined;
    }
    return {
      drainMs: (used.user + used.system) / 1000,
      dynamoMs: dynamoEnd - dynamo,
      glueMs: glueEnd - glue,
      cores: os.availableParallelism(),
    };
  };
}
