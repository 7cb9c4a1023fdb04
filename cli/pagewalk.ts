/**
 * `pagewalk`: operate pagewalk runs through the Step Functions API, on AWS or on the local
 * endpoint (`npm run serve`). `pagewalk --help` lists the commands.
 */
import { processOutput } from './context';
import { runCli } from './program';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const code = await runCli(process.argv.slice(2), { output: processOutput(), env: process.env });
// Exit once stdout is flushed, so piped output is never cut short.
process.stdout.write('', () => process.exit(code));
