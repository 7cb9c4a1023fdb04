import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag';

/**
 * An SQS dead-letter queue as pagewalk keeps them: SQS-managed encryption, TLS only, messages
 * kept for 14 days (the longest SQS allows). `of` says whose dead letters it holds, for the
 * cdk-nag acknowledgement (a dead-letter queue has no dead-letter queue of its own).
 */
export function deadLetterQueue(scope: Construct, id: string, of: string): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(queue, 'AwsSolutions-SQS3', `This queue is itself the dead-letter queue of ${of}.`);
  return queue;
}
