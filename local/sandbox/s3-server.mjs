/**
 * The local S3: s3rver 3.7.1, unchanged, in a process of its own. s3rver encrypts its
 * ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node 17 and later) keeps in
 * its legacy provider, so this process runs with --openssl-legacy-provider (local/sandbox/s3.ts
 * starts it): the handlers' process keeps the default provider.
 *
 * Protocol (IPC): the parent sends {directory, temporary, accessKeyId, secretAccessKey, seed:
 * {bucket, keys}}; this process answers {url} once it listens, after seeding the bucket if it
 * was not seeded whole before. It exits when the parent sends {close: true} or goes away (even killed
 * outright: the IPC channel closes), removing a temporary directory.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account.js';
import S3Object from 's3rver/lib/models/object.js';

/**
 * Writes the seed through s3rver's own store, 50 at a time: thousands in about a second. A
 * marker (a file, which s3rver does not take for a bucket) says the seed was written whole, so a
 * process killed while seeding leaves a bucket the next start completes.
 */
async function seed(server, { bucket, keys }) {
  const marker = join(server.store.rootDirectory, `.${bucket}.seeded`);
  if (existsSync(marker)) return;
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(
      keys.slice(i, i + 50).map((key) =>
        server.store.putObject(
          new S3Object(bucket, key, Buffer.from(key), {
            'content-type': 'text/plain',
            'last-modified': new Date(Date.UTC(2024, 0, 1)).toUTCString(),
          }),
        ),
      ),
    );
  }
  writeFileSync(marker, `${keys.length} keys\n`);
}

process.once('message', async (options) => {
  let server;
  const exit = () => {
    if (options.temporary) rmSync(options.directory, { recursive: true, force: true });
    process.exit(0);
  };
  // Open keep-alive sockets can hold close() up: exit after a moment whatever it does.
  const close = () => {
    setTimeout(exit, 500).unref();
    (server ? server.close() : Promise.resolve()).finally(exit);
  };
  // From the start, also while seeding: a parent killed outright closes the channel.
  process.once('disconnect', close);
  process.on('message', (message) => message?.close && close());
  try {
    // The handlers sign with these; s3rver checks every signature against its known keys.
    if (options.accessKeyId && options.secretAccessKey) {
      AWSAccount.DUMMY_ACCOUNT.createKeyPair(options.accessKeyId, options.secretAccessKey);
    }
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: options.directory,
      configureBuckets: options.seed ? [{ name: options.seed.bucket }] : [],
    });
    const { address, port } = await server.run();
    if (options.seed) await seed(server, options.seed);
    if (process.connected) process.send({ url: `http://${address}:${port}` });
  } catch (error) {
    if (process.connected) process.send({ error: error instanceof Error ? error.message : String(error) });
    close();
  }
});
