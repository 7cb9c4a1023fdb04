import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadedMachine } from '../../local/engine';
import { startLazyEndpoint } from '../../local/lazy-endpoint';
import { validatedOnce } from '../../schema/validated';

const scratch = mkdtempSync(join(tmpdir(), 'pagewalk-validated-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a validation remembered across processes', () => {
  it('validates new inputs, skips inputs that passed before, and never remembers a failure', () => {
    const inputs = [randomUUID()];
    const asked: boolean[] = [];
    validatedOnce('test', inputs, (validate) => asked.push(validate));
    validatedOnce('test', inputs, (validate) => asked.push(validate));
    validatedOnce('test', [randomUUID()], (validate) => asked.push(validate));
    expect(asked).toEqual([true, false, true]);

    const failing = [randomUUID()];
    const fail = () => {
      throw new Error('invalid');
    };
    expect(() => validatedOnce('test', failing, fail)).toThrow('invalid');
    expect(() => validatedOnce('test', failing, fail)).toThrow('invalid');
  });

  it('still refuses an ASL document the engine has never seen pass, naming the problem', () => {
    const file = join(scratch, `broken-${randomUUID()}.asl.json`);
    writeFileSync(file, JSON.stringify({ StartAt: 'Nowhere', States: { Done: { Type: 'Succeed' } } }));
    const spec = { name: `broken-${randomUUID()}`, definitionPath: pathToFileURL(file) };
    expect(() => loadedMachine([], spec)).toThrow(/State machine definition is invalid/);
  });
});

describe('a service started on its first connection', () => {
  it('listens at once, starts the service only when a client connects, and passes the bytes both ways', async () => {
    let starts = 0;
    const echo = createServer((socket) => socket.pipe(socket));
    const lazy = await startLazyEndpoint('the echo', async () => {
      starts += 1;
      await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
      const address = echo.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      return {
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => echo.close(() => done())),
      };
    });
    expect(lazy.started).toBe(false);
    expect(starts).toBe(0);

    const { port } = new URL(lazy.url);
    const echoed = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('ping'));
      socket.once('data', (data) => {
        resolve(String(data));
        socket.destroy();
      });
      socket.once('error', reject);
    });
    expect(echoed).toBe('ping');
    expect(lazy.started).toBe(true);
    expect(starts).toBe(1);
    await lazy.close();
    expect(echo.listening).toBe(false);
  });
});
