/**
 * A local AWS Secrets Manager (AWS JSON 1.1, `X-Amz-Target: secretsmanager.<Operation>`) that
 * answers `GetSecretValue`, so a definition's secret is read locally exactly as on AWS: through
 * the SDK's `SecretsManagerClient`, pointed here by `AWS_ENDPOINT_URL_SECRETS_MANAGER`. It holds
 * the secrets it is given (the local runtime gives it the SP-API sandbox's LWA credentials);
 * `CreateSecret` and `PutSecretValue` add and change them, in memory, so your own credentials
 * can be put in for a local run against a real API.
 *
 * Run standalone: `npx tsx local/sandbox/secrets-manager.ts --port 4612`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseArgs } from 'node:util';
import {
  awsJsonError,
  fromThisMachine,
  ProtocolError,
  parseJsonBody,
  readBody,
  targetOperation,
} from '../aws-json';
import { type RequestStats, recordRequest, sha256 } from './common';
import {
  emptyRequestStats,
  protocolErrorOf,
  runSandboxIfMain,
  type SandboxServer,
  type SandboxServerOptions,
  serverArgOptions,
  serverOptionsFrom,
  startSandboxServer,
} from './server';

/** Region and account of the local secrets' ARNs. */
export const LOCAL_SECRETS_REGION = 'us-east-1';
export const LOCAL_SECRETS_ACCOUNT = '000000000000';

/** A secret's ARN: Secrets Manager appends `-` and six random characters to the name; here they follow from the name. */
export function localSecretArn(name: string): string {
  const suffix = sha256(`secret#${name}`)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 6);
  return `arn:aws:secretsmanager:${LOCAL_SECRETS_REGION}:${LOCAL_SECRETS_ACCOUNT}:secret:${name}-${suffix}`;
}

export interface SecretsManagerSandboxOptions extends SandboxServerOptions {
  /** Secrets held from the start, by name. */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly requestLogLimit?: number;
}

/** One request: the operation and the `SecretId` asked for, never a value. */
export interface SecretsManagerRequestLog {
  target: string;
  secretId: string | undefined;
}

/** A running Secrets Manager; its `url` is what `AWS_ENDPOINT_URL_SECRETS_MANAGER` points at. */
export interface SecretsManagerSandbox extends SandboxServer<RequestStats<SecretsManagerRequestLog>> {
  /** Creates or replaces a secret's value (a new version); returns its ARN. */
  putSecret(name: string, secretString: string): string;
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  secretString: string;
  versionId: string;
  createdDate: number;
}

const TARGET_PREFIX = 'secretsmanager.';
const notFound = (message = "Secrets Manager can't find the specified secret.") =>
  new ProtocolError('ResourceNotFoundException', message);
const nullMember = (member: string) =>
  new ProtocolError(
    'ValidationException',
    `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
  );

/** Starts a local Secrets Manager; resolves once it is listening. */
export async function startSecretsManagerSandbox(
  options: SecretsManagerSandboxOptions = {},
): Promise<SecretsManagerSandbox> {
  const secrets = new Map<string, StoredSecret>();
  const stats: RequestStats<SecretsManagerRequestLog> = emptyRequestStats();

  const putSecret = (name: string, secretString: string): StoredSecret => {
    const existing = secrets.get(name);
    const now = Math.floor(Date.now() / 1000);
    const secret: StoredSecret = existing ?? {
      name,
      arn: localSecretArn(name),
      secretString,
      versionId: '',
      createdDate: now,
    };
    secret.secretString = secretString;
    secret.versionId = randomUUID();
    secrets.set(name, secret);
    return secret;
  };
  for (const [name, value] of Object.entries(options.secrets ?? {})) putSecret(name, value);

  /** A secret by name, full ARN, or ARN without its random suffix, as Secrets Manager finds them. */
  const find = (secretId: string): StoredSecret => {
    for (const secret of secrets.values()) {
      if (secretId === secret.name || secretId === secret.arn || secretId === secret.arn.slice(0, -7))
        return secret;
    }
    throw notFound();
  };

  const stringMember = (body: Record<string, unknown>, member: string, wire: string): string | undefined => {
    const value = body[member];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string')
      throw new ProtocolError('SerializationException', `${member} must be a string`);
    if (value === '') {
      throw new ProtocolError(
        'ValidationException',
        `1 validation error detected: Value '' at '${wire}' failed to satisfy constraint: Member must have length greater than or equal to 1`,
      );
    }
    return value;
  };

  /** The `SecretString` a write carries; a binary secret (`SecretBinary`) is not held here. */
  const secretStringOf = (body: Record<string, unknown>): string => {
    const value = stringMember(body, 'SecretString', 'secretString');
    if (value === undefined) {
      throw new ProtocolError(
        'InvalidRequestException',
        'The local Secrets Manager holds SecretString values only.',
      );
    }
    return value;
  };

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    GetSecretValue: (body) => {
      const secretId = stringMember(body, 'SecretId', 'secretId');
      if (secretId === undefined) throw nullMember('secretId');
      const secret = find(secretId);
      const versionId = stringMember(body, 'VersionId', 'versionId');
      if (versionId !== undefined && versionId !== secret.versionId) {
        throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
      }
      const stage = stringMember(body, 'VersionStage', 'versionStage');
      if (stage !== undefined && stage !== 'AWSCURRENT') {
        throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${stage}`);
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        SecretString: secret.secretString,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.createdDate,
      };
    },
    CreateSecret: (body) => {
      const name = stringMember(body, 'Name', 'name');
      if (name === undefined) throw nullMember('name');
      const value = secretStringOf(body);
      if (secrets.has(name)) {
        throw new ProtocolError(
          'ResourceExistsException',
          `The operation failed because the secret ${name} already exists.`,
        );
      }
      const secret = putSecret(name, value);
      return { ARN: secret.arn, Name: secret.name, VersionId: secret.versionId };
    },
    PutSecretValue: (body) => {
      const secretId = stringMember(body, 'SecretId', 'secretId');
      if (secretId === undefined) throw nullMember('secretId');
      const value = secretStringOf(body);
      const secret = putSecret(find(secretId).name, value);
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        VersionStages: ['AWSCURRENT'],
      };
    },
  };

  const handle = async (req: IncomingMessage): Promise<unknown> => {
    const raw = await readBody(
      req,
      () => new ProtocolError('ValidationException', 'Request body is too large', 413),
    );
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = targetOperation(req, TARGET_PREFIX) ?? (target || '(none)');
    const { body, parsed } = parseJsonBody(raw);
    const secretId =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>).SecretId : undefined;
    recordRequest(
      stats,
      operation,
      { target, secretId: typeof secretId === 'string' ? secretId : undefined },
      options.requestLogLimit ?? 1000,
    );
    if (!fromThisMachine(req, options.host)) {
      throw new ProtocolError('AccessDeniedException', 'Requests must come from this machine.', 403);
    }
    // The SDK always signs; an unsigned request is not from it.
    if (!req.headers.authorization) {
      throw new ProtocolError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    const run = req.method === 'POST' ? operations[operation] : undefined;
    if (!run)
      throw new ProtocolError(
        'UnknownOperationException',
        `Unknown operation: ${target || '(missing X-Amz-Target)'}`,
      );
    if (!parsed || typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ProtocolError('SerializationException', 'Request body is not a JSON object');
    }
    return run(body as Record<string, unknown>);
  };

  const server = await startSandboxServer(options, stats, {
    contentType: 'application/x-amz-json-1.1',
    handle,
    onError: (error) => awsJsonError(protocolErrorOf(error, 'InternalServiceError'), 'Message'),
  });
  return { ...server, putSecret: (name, value) => putSecret(name, value).arn };
}

runSandboxIfMain(import.meta.url, async () => {
  const { values } = parseArgs({ options: serverArgOptions('4612') });
  const sandbox = await startSecretsManagerSandbox(serverOptionsFrom(values));
  console.log(`Secrets Manager sandbox listening on ${sandbox.url} (it holds nothing until CreateSecret)`);
  return sandbox;
});
