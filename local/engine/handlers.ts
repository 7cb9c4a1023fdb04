import type { LocalHandlers } from './definition';

/**
 * The real handlers, imported only when asked for: their SDK clients are created at module
 * scope and read the endpoint variables then, so those must be set first.
 */
export async function loadPagewalkHandlers(): Promise<LocalHandlers> {
  const [startRun, fetchPage, finishRun] = await Promise.all([
    import('../../functions/start-run'),
    import('../../functions/fetch-page'),
    import('../../functions/finish-run'),
  ]);
  return {
    StartRunFunctionArn: startRun.handler,
    FetchPageFunctionArn: fetchPage.handler,
    FinishRunFunctionArn: finishRun.handler,
  };
}
