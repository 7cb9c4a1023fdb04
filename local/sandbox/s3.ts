/**
 * The local S3 (s3rver, from npm), started beside the Glue sandbox when AWS_ENDPOINT_URL_S3 is
 * unset, and seeded with the demo bucket (s3-demo.ts). It runs in a child process
 * (s3-server.mjs) with OpenSSL's legacy provider, which s3rver's DES continuation tokens need on
 * Node 20; the child ends with this process.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_BUCKET, demoKeys } from './s3-demo';

export interface S3SandboxOptions {
  /** Where s3rver keeps the buckets; a temporary folder, removed on close, when omitted. */
  readonly directory?: string;
  /** Seed the demo bucket (unless a start before seeded it whole). @default true */
  readonly seed?: boolean;
}

export interface S3Sandbox {
  /** The endpoint, for AWS_ENDPOINT_URL_S3 (path-style addressing). */
  readonly url: string;
  close(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./s3-server.mjs', import.meta.url));

/** Starts s3rver on a free loopback port; resolves once it listens (and the seed is written). */
export async function startS3Sandbox(options: S3SandboxOptions = {}): Promise<S3Sandbox> {
  const temporary = options.directory === undefined ? mkdtempSync(join(tmpdir(), 'pagewalk-s3-')) : undefined;
  const child: ChildProcess = fork(SERVER, [], {
    execArgv: ['--openssl-legacy-provider'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const removeTemporary = () => temporary && rmSync(temporary, { recursive: true, force: true });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (message: { url?: string; error?: string }) =>
        message.url
          ? resolve(message.url)
          : reject(new Error(`the local S3 did not start: ${message.error}`)),
      );
      child.once('exit', (code) =>
        reject(new Error(`the local S3 exited with code ${code} before it listened`)),
      );
      child.send({
        directory: options.directory ?? temporary,
        temporary: temporary !== undefined,
        accessKeyId: process.env.AWS_ACCESS_KEY_ID,
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
        seed: options.seed === false ? undefined : { bucket: DEMO_BUCKET, keys: demoKeys() },
      });
    });
    return {
      url,
      close: async () => {
        if (child.connected) child.send({ close: true });
        await exited;
        removeTemporary();
      },
    };
  } catch (error) {
    child.kill();
    await exited;
    removeTemporary();
    throw error;
  }
}
