import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDataLock, DataFolderBusy, readDataLock } from '../../local/data-lock';

const root = mkdtempSync(join(tmpdir(), 'pagewalk-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const folder = () => join(root, `data-${++n}`);

/** A process id that belonged to a process which has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

describe('the data folder lock', () => {
  it('tells a second process who holds the folder and where its endpoint is', () => {
    const dir = folder();
    const lock = acquireDataLock(dir, 'npm run serve');
    lock.update({ endpoint: 'http://127.0.0.1:8083' });
    // This process holds it; another live process (the parent) claiming it looks the same.
    writeFileSync(
      lock.path,
      JSON.stringify({
        pid: process.ppid,
        command: 'npm run serve',
        endpoint: 'http://127.0.0.1:8083',
        startedAt: '',
      }),
    );
    let busy: unknown;
    try {
      acquireDataLock(dir, 'npm start');
    } catch (error) {
      busy = error;
    }
    expect(busy).toBeInstanceOf(DataFolderBusy);
    expect((busy as Error).message).toBe(
      `${dir} is in use by npm run serve (pid ${process.ppid}, endpoint http://127.0.0.1:8083)`,
    );
  });

  it('takes over a lock left by a process that died, and releases only its own', async () => {
    const dir = folder();
    const stale = acquireDataLock(dir, 'npm start');
    writeFileSync(stale.path, JSON.stringify({ pid: await deadPid(), command: 'npm start', startedAt: '' }));
    expect(readDataLock(dir)).toBeUndefined();

    const lock = acquireDataLock(dir, 'npm run serve');
    expect(readDataLock(dir)).toMatchObject({ pid: process.pid, command: 'npm run serve' });
    // Once another process holds the folder, this one's release leaves its lock alone.
    writeFileSync(lock.path, JSON.stringify({ pid: process.ppid, command: 'npm start', startedAt: '' }));
    lock.release();
    expect(existsSync(lock.path)).toBe(true);
    writeFileSync(lock.path, JSON.stringify({ pid: process.pid, command: 'npm run serve', startedAt: '' }));
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });
});
