// Generated from the AWS source definitions (schema/aws-clients-module.ts): do not edit.
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetJobRunsCommand, GlueClient } from '@aws-sdk/client-glue';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { AwsClientModules } from './aws-client-types';

/** The SDK clients and commands the AWS source definitions name. */
export const AWS_CLIENTS: AwsClientModules = {
  '@aws-sdk/client-cloudtrail': { clients: { CloudTrailClient }, commands: { LookupEventsCommand } },
  '@aws-sdk/client-cloudwatch-logs': { clients: { CloudWatchLogsClient }, commands: { FilterLogEventsCommand, GetLogEventsCommand } },
  '@aws-sdk/client-glue': { clients: { GlueClient }, commands: { GetJobRunsCommand } },
  '@aws-sdk/client-organizations': { clients: { OrganizationsClient }, commands: { ListAccountsCommand } },
  '@aws-sdk/client-s3': { clients: { S3Client }, commands: { ListObjectsV2Command } },
  '@aws-sdk/client-sfn': { clients: { SFNClient }, commands: { ListExecutionsCommand } },
  '@aws-sdk/client-ssm': { clients: { SSMClient }, commands: { GetParametersByPathCommand } },
};
