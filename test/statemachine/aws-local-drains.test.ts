import { fileURLToPath } from 'node:url';
import { ListExecutionsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { LOCAL_STATE_MACHINE_ARN } from '../../local/engine';
import { collectionKeys, readRunRecord } from '../../local/inspect';
import { DEMO_BUCKET, demoKeys } from '../../local/sandbox/s3-demo';
import { harnessForThisFile } from '../local-sfn/harness';

// The local S3 (s3rver, seeded with the demo bucket) and the local Step Functions endpoint,
// drained through the generic AWS path: the real SDK clients, the real handlers, the same ASL.
// The bucket lives where a data folder would keep it, seeded whole once (3,000 objects, seconds
// of CPU) and only read here, as `npm start` reuses its data folder's.
const S3_FOLDER = fileURLToPath(new URL('../../node_modules/.cache/pagewalk/test-s3', import.meta.url));
const harness = harnessForThisFile({ s3: { directory: S3_FOLDER } });

async function drain(input: object) {
  const { sfn } = harness();
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, input: JSON.stringify(input) }),
  );
  const executionArn = started.executionArn as string;
  const ended = await harness().waitForEnd(executionArn);
  return { ended, executionArn, output: JSON.parse(ended.output ?? '{}') as Record<string, unknown> };
}

const stored = (collection: string) => {
  const { stack } = harness();
  return collectionKeys(stack.documentClient, stack.tableName, collection);
};

describe('aws.s3.listObjectsV2 against the local S3', () => {
  it('drains the demo bucket across pages to exactly its keys, spaces and unicode included', async () => {
    const { output } = await drain({
      source: 'aws.s3.listObjectsV2',
      params: { Bucket: DEMO_BUCKET },
      options: { pageSize: 1000 },
    });
    expect(output).toMatchObject({ status: 'succeeded', pages: 3, items: 3000 });
    const keys = await stored(`aws.s3.listObjectsV2#${DEMO_BUCKET}`);
    expect(keys).toHaveLength(3000);
    expect(new Set(keys)).toEqual(new Set(demoKeys()));
    expect(keys).toContain('photos/été 2024/IMG_0007.jpg');
  });

  it('reads only the keys under Prefix, into the collection of that prefix', async () => {
    const prefix = 'docs/日本語 ドキュメント/';
    const { output } = await drain({
      source: 'aws.s3.listObjectsV2',
      params: { Bucket: DEMO_BUCKET, Prefix: prefix },
      options: { pageSize: 120 },
    });
    expect(output).toMatchObject({ status: 'succeeded', pages: 3, items: 300 });
    const keys = await stored(`aws.s3.listObjectsV2#${DEMO_BUCKET}#${prefix}`);
    expect(new Set(keys)).toEqual(new Set(demoKeys().filter((key) => key.startsWith(prefix))));
    expect(keys).toContain(`${prefix}文書 007 ✓.txt`);
  });

  it('fails with S3’s own NoSuchBucket for a bucket that does not exist', async () => {
    const { ended } = await drain({ source: 'aws.s3.listObjectsV2', params: { Bucket: 'no-such-bucket' } });
    expect(ended.status).toBe('FAILED');
    const { stack } = harness();
    expect(await readRunRecord(stack.documentClient, stack.tableName, ended.name as string)).toMatchObject({
      status: 'failed',
      lastError: { error: 'NoSuchBucket' },
    });
  });
});

describe('aws.sfn.listExecutions against the local Step Functions endpoint', () => {
  it('drains the endpoint’s own executions, its own run included, one page each', async () => {
    const { executionArn, output } = await drain({
      source: 'aws.sfn.listExecutions',
      params: { stateMachineArn: LOCAL_STATE_MACHINE_ARN },
      options: { pageSize: 1 },
    });
    const listed = await harness().sfn.send(
      new ListExecutionsCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, maxResults: 1000 }),
    );
    const arns = (listed.executions ?? []).map((e) => e.executionArn);
    expect(arns).toContain(executionArn);
    expect(output).toMatchObject({ status: 'succeeded', items: arns.length, pages: arns.length });
    expect(new Set(await stored(`aws.sfn.listExecutions#${LOCAL_STATE_MACHINE_ARN}`))).toEqual(new Set(arns));
  });
});
