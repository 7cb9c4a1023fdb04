/**
 * One drain's DynamoDB: dynalite, in memory and empty, in a process of its own. Started by
 * `dynamo-process.ts` with an IPC channel; sends `{ url }` once it listens, answers `'rss'`
 * with its resident set, and exits when the channel closes: when the bench is done with it,
 * and when the bench dies without closing it (nothing else would ever stop it).
 */
import { startEmbeddedDynamo } from '../local/dynamodb';

/** What this process says over its channel. */
export type DynamoServerMessage = { readonly url: string } | { readonly rssBytes: number };

function send(message: DynamoServerMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!process.send)
    throw new Error('bench/dynamo-server.ts is started by bench/dynamo-process.ts, not by hand');
  // process.exit, not a kill, so a --cpu-prof profile is written as the process ends.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message) => {
    if (message === 'rss') send({ rssBytes: process.memoryUsage.rss() });
  });
  const dynamo = await startEmbeddedDynamo();
  send({ url: dynamo.url });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
