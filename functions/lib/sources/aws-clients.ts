// Generated from the AWS source definitions (schema/aws-clients-module.ts): do not edit.
import type { AwsClientModules } from './aws-client-types';

/** The SDK clients and commands the AWS source definitions name, each package loaded on first use. */
export const AWS_CLIENTS: AwsClientModules = {
  '@aws-sdk/client-cloudtrail': async () => {
    const { CloudTrailClient, LookupEventsCommand } = await import('@aws-sdk/client-cloudtrail');
    return { clients: { CloudTrailClient }, commands: { LookupEventsCommand } };
  },
  '@aws-sdk/client-cloudwatch-logs': async () => {
    const { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
    return { clients: { CloudWatchLogsClient }, commands: { FilterLogEventsCommand, GetLogEventsCommand } };
  },
  '@aws-sdk/client-glue': async () => {
    const { GetJobRunsCommand, GlueClient } = await import('@aws-sdk/client-glue');
    return { clients: { GlueClient }, commands: { GetJobRunsCommand } };
  },
  '@aws-sdk/client-organizations': async () => {
    const { ListAccountsCommand, OrganizationsClient } = await import('@aws-sdk/client-organizations');
    return { clients: { OrganizationsClient }, commands: { ListAccountsCommand } };
  },
  '@aws-sdk/client-s3': async () => {
    const { ListObjectsV2Command, S3Client } = await import('@aws-sdk/client-s3');
    return { clients: { S3Client }, commands: { ListObjectsV2Command } };
  },
  '@aws-sdk/client-sfn': async () => {
    const { ListExecutionsCommand, SFNClient } = await import('@aws-sdk/client-sfn');
    return { clients: { SFNClient }, commands: { ListExecutionsCommand } };
  },
  '@aws-sdk/client-ssm': async () => {
    const { GetParametersByPathCommand, SSMClient } = await import('@aws-sdk/client-ssm');
    return { clients: { SSMClient }, commands: { GetParametersByPathCommand } };
  },
};
