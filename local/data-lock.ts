/**
 * One process owns a local data folder at a time (dynalite's files, the executions, the
 * sandbox secret): `lock.json` in it says which process and where its endpoints are, so a
 * second `npm start` or `npm run serve` can join it or say in one line what holds the folder.
 * A lock left by a process that died (kill -9, power loss) is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** What a lock file says about the process holding the folder. */
export interface DataLockInfo {
  readonly pid: number;
  /** `npm start` or `npm run serve`. */
  readonly command: string;
  readonly startedAt: string;
  /** The Step Functions endpoint the holder serves, once it listens. */
  readonly endpoint?: string;
  readonly dynamoEndpoint?: string;
  readonly tableName?: string;
}

/** The folder is held by a live process. */
export class DataFolderBusy extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: DataLockInfo,
  ) {
    super(
      `${dataDir} is in use by ${holder.command} (pid ${holder.pid}${holder.endpoint ? `, endpoint ${holder.endpoint}` : ''})`,
    );
    this.name = 'DataFolderBusy';
  }
}

export interface DataLock {
  readonly path: string;
  /** Adds the endpoints to the lock file once they listen. */
  update(info: Partial<DataLockInfo>): void;
  /** Removes the lock file, if it is still this process's. */
  release(): void;
}

/** Whether a process with this id is alive (EPERM: alive, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process stays a zombie until its parent reaps it; on Linux, say so from /proc.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** The lock's holder, or undefined when there is no lock or its holder is dead. */
export function readDataLock(dataDir: string): DataLockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, 'lock.json'), 'utf8')) as DataLockInfo;
    return Number.isInteger(info.pid) && alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the folder for this process; DataFolderBusy when a live process holds it. */
export function acquireDataLock(dataDir: string, command: string): DataLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'lock.json');
  let info: DataLockInfo = { pid: process.pid, command, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      // 'wx' creates the file or fails if it exists: two processes never both get it.
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
      const holder = readDataLock(dataDir);
      if (holder && holder.pid !== process.pid) throw new DataFolderBusy(dataDir, holder);
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  const mine = () => {
    try {
      return (JSON.parse(readFileSync(path, 'utf8')) as DataLockInfo).pid === process.pid;
    } catch {
      return false;
    }
  };
  return {
    path,
    update(more) {
      info = { ...info, ...more };
      writeFileAtomically(path, JSON.stringify(info));
    },
    release() {
      if (mine()) rmSync(path, { force: true });
    },
  };
}

function writeFileAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  writeSync(fd, text);
  closeSync(fd);
  renameSync(temporary, path);
}
