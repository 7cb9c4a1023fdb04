import { createRequire } from 'node:module';
import { afterAll, vi } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import '../../local/polyfills';

// The SDK warns once per process that Node 20 support ends in 2027; Lambda runs Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// The handlers' JSON logs would drown the test output; tests assert behaviour, not log lines.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

// Start run asks Step Functions whether a lease holder still runs. No test may reach real AWS:
// by default that goes to a loopback port where nothing listens (the call fails and the start
// is refused, as it is when DescribeExecution fails); scenarios that need the answer run the
// local endpoint and point this at it before loading the handlers.
process.env.AWS_ENDPOINT_URL_SFN ??= 'http://127.0.0.1:1';

// The same for the AWS sources that have no local stand-in: a test that forgets its mock fails
// against nothing instead of calling AWS.
for (const service of ['S3', 'CLOUDWATCH_LOGS', 'CLOUDTRAIL', 'SSM', 'ORGANIZATIONS']) {
  process.env[`AWS_ENDPOINT_URL_${service}`] ??= 'http://127.0.0.1:1';
}

// Test files share worker threads (vitest.config.ts): each file gets its own source modules,
// but packages (node_modules) and the process stay loaded for the next file. Whatever a file
// changed process-wide goes back after it: the environment, timers, globals, the SDK clients
// aws-sdk-client-mock stubbed (with the sinon it uses), and every source module, so the next
// file imports the handlers afresh and they read its environment.
const require = createRequire(import.meta.url);
const sinon = createRequire(require.resolve('aws-sdk-client-mock'))('sinon') as { restore(): void };
const env = { ...process.env };
afterAll(() => {
  vi.unstubAllEnvs();
  for (const name of Object.keys(process.env)) if (!(name in env)) delete process.env[name];
  Object.assign(process.env, env);
  vi.useRealTimers();
  vi.unstubAllGlobals();
  sinon.restore();
  vi.resetModules();
});
