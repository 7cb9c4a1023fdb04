import 'aws-sdk-client-mock-vitest/extend';
import '../../local/polyfills';

// The SDK warns once per process that Node 20 support ends in 2027; Lambda runs Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// The handlers' JSON logs would drown the test output; tests assert behaviour, not log lines.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
