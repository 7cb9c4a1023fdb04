/**
 * How an HTTP source authenticates its calls: a static credential from a secret in a header
 * (`auth.type: "header"`, the default), or Login with Amazon access tokens (`"lwa"`), which
 * expire and are renewed once when the API refuses one. Either way the credential comes from
 * Secrets Manager by an ARN fixed at deploy time, never from execution input, and goes only to
 * the definition's endpoint.
 */
import type { HttpAuth } from './definition';
import { describeEndpoint, endpointProblem } from './http-endpoint';
import { DEFAULT_LWA_ENDPOINT, LWA_ENDPOINT_VARIABLE, lwaSession } from './lwa';
import { readSecret } from './secrets';

/** The header SP-API reads the LWA access token from. */
export const ACCESS_TOKEN_HEADER = 'x-amz-access-token';

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

/** The credential of one call: its headers, and the value no message may show. */
export interface Credential {
  readonly headers: Readonly<Record<string, string>>;
  readonly secret: string;
}

/** A source's way of authenticating. */
export interface RequestAuth {
  credential(): Promise<Credential>;
  /**
   * The API refused `refused` as unauthorized: a fresh credential to retry the call with once,
   * or undefined when this kind cannot renew (a static key stays as wrong as it was).
   */
  renew(refused: Credential): Promise<Credential | undefined>;
  /** Names the credential in messages: the secret's ARN. */
  readonly describe: () => string;
}

/**
 * The endpoint `variable` moves at deploy time, else `baseUrl`, checked by the rule every
 * endpoint follows (https://, or http:// to a loopback host), so an override cannot send a
 * credential in the clear. `what` names the endpoint in the message.
 */
export function resolveEndpoint(what: string, endpoint: { baseUrl: string; variable?: string }): string {
  const { variable } = endpoint;
  const fromEnv = variable ? process.env[variable] : undefined;
  if (variable && fromEnv) {
    const problem = endpointProblem(fromEnv);
    if (problem) throw new Error(`${variable} (${what}) ${problem}; got ${describeEndpoint(fromEnv)}`);
  }
  return (fromEnv || endpoint.baseUrl).replace(/\/$/, '');
}

/** The secret's ARN from its deploy-time variable; a loud configuration error when it is unset. */
function secretArnFrom(variable: string, source: string): string {
  const arn = process.env[variable];
  if (!arn || !SECRET_ARN.test(arn)) {
    throw new Error(
      `${variable} must hold the ARN of the secret with ${source}'s Login with Amazon credentials (deploy with spapiSecretArn); got ${arn ? JSON.stringify(arn) : 'nothing'}`,
    );
  }
  return arn;
}

/** The auth of a definition, or undefined when its calls carry no credential. */
export function requestAuth(
  spec: HttpAuth | undefined,
  source: string,
  timeoutMs: number,
): RequestAuth | undefined {
  if (!spec) return undefined;
  if (spec.type === 'lwa') {
    // Resolved on first use: a container that never calls this source needs none of its settings.
    const session = () =>
      lwaSession({
        secretArn: secretArnFrom(spec.secretArnVariable, source),
        endpoint: resolveEndpoint(
          `the Login with Amazon endpoint of ${source}`,
          spec.tokenEndpoint ?? { baseUrl: DEFAULT_LWA_ENDPOINT, variable: LWA_ENDPOINT_VARIABLE },
        ),
        timeoutMs,
        source,
      });
    const wrap = (token: string): Credential => ({
      headers: { [ACCESS_TOKEN_HEADER]: token },
      secret: token,
    });
    return {
      credential: async () => wrap(await session().accessToken()),
      renew: async (refused) => wrap(await session().renew(refused.secret)),
      describe: () => `the Login with Amazon credentials in secret ${process.env[spec.secretArnVariable]}`,
    };
  }
  return {
    credential: async () => {
      const secret = await readSecret(spec.secretArn, spec.field);
      return { headers: { [spec.header]: secret }, secret };
    },
    renew: async () => undefined,
    describe: () => `the credential in secret ${spec.secretArn}`,
  };
}
