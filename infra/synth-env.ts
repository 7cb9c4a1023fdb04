/**
 * Imported first by app.ts. Synth loads the source registry (to validate the HTTP source
 * definitions) and with it the handlers' SDK clients, which warn on every synth that SDK
 * releases after January 2027 need Node 22. Synth sends no request, and the functions run
 * on Node 22, so the warning says nothing about this app; the handlers' own tests silence
 * it the same way (test/support/setup.ts).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
