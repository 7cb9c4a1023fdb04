import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** The `service` key of every log line and the `service` dimension of every metric. */
export const SERVICE_NAME = 'pagewalk';

/** CloudWatch namespace of pagewalk's custom metrics; the CDK dashboard reads the same constant. */
export const METRICS_NAMESPACE = 'Pagewalk';

/** Names of the custom metrics, shared with the CDK dashboard so the two cannot disagree. */
export const METRIC = {
  pagesFetched: 'PagesFetched',
  itemsWritten: 'ItemsWritten',
  pageLatency: 'PageLatency',
  restarts: 'Restarts',
  throttles: 'Throttles',
} as const;

/** The dimension that names the source (`glue.getJobRuns`, `marketplace.orders`, ...) on every custom metric. */
export const SOURCE_DIMENSION = 'source';

/**
 * The structured JSON logger of the three handlers. Its level comes from the environment
 * (`POWERTOOLS_LOG_LEVEL`, or Lambda's own `AWS_LAMBDA_LOG_LEVEL`, which the stack sets together).
 */
export const logger = new Logger({ serviceName: SERVICE_NAME });

/** Metrics with only the `service` dimension, for anything that is not about one source. */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/**
 * One buffer per source, so a page's metrics leave as one EMF line with the dimensions
 * `service` and `source`, and two sources in one container never share a dimension set.
 */
const bySource = new Map<string, Metrics>();

function metricsFor(source: string): Metrics {
  let sourceMetrics = bySource.get(source);
  if (!sourceMetrics) {
    sourceMetrics = new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      defaultDimensions: { [SOURCE_DIMENSION]: source },
    });
    bySource.set(source, sourceMetrics);
  }
  return sourceMetrics;
}

export interface PageMeasurement {
  /** The source's name, e.g. `glue.getJobRuns`. */
  readonly source: string;
  /** Items written from this page. */
  readonly items: number;
  /** Time from the source call to the last write of the page, in milliseconds. */
  readonly latencyMs: number;
}

/** Counts one fetched page, its items and its latency (`PagesFetched`, `ItemsWritten`, `PageLatency`). */
export function recordPage({ source, items, latencyMs }: PageMeasurement): void {
  metricsFor(source)
    .addMetric(METRIC.pagesFetched, MetricUnit.Count, 1)
    .addMetric(METRIC.itemsWritten, MetricUnit.Count, items)
    .addMetric(METRIC.pageLatency, MetricUnit.Milliseconds, latencyMs);
}

/** Counts one restart from the origin call after a corrupted token (`Restarts`). */
export function recordRestart(source: string): void {
  metricsFor(source).addMetric(METRIC.restarts, MetricUnit.Count, 1);
}

/** Counts one throttled source call (`Throttles`); the state machine retries it. */
export function recordThrottle(source: string): void {
  metricsFor(source).addMetric(METRIC.throttles, MetricUnit.Count, 1);
}

/**
 * EMF lines only mean something where CloudWatch Logs reads them: on Lambda. Elsewhere (unit
 * tests, the local runtime) they would only clutter the output, so they stay off unless
 * `POWERTOOLS_METRICS_DISABLED` is set either way. On Lambda, Powertools' own switches apply
 * (`POWERTOOLS_METRICS_DISABLED`, which wins over `POWERTOOLS_DEV`).
 */
function publishing(): boolean {
  return (
    process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined ||
    process.env.POWERTOOLS_METRICS_DISABLED !== undefined
  );
}

/**
 * Writes the metrics recorded since the last call as EMF to stdout and empties the buffers.
 * Call it once at the end of each invocation (in a `finally`). Buffers with nothing in them
 * are skipped, so Powertools never warns "No application metrics to publish".
 */
export function publishMetrics(): void {
  const emit = publishing();
  for (const buffer of [metrics, ...bySource.values()]) {
    if (!buffer.hasStoredMetrics()) continue;
    if (emit) buffer.publishStoredMetrics();
    else buffer.clearMetrics();
  }
}

/**
 * Adds the run id, source and page number to every later log line of this container, replacing
 * the previous invocation's. Leave `page` out before the first page; it is then removed.
 */
export function withRunContext(runId: string, source: string, page?: number): void {
  logger.appendPersistentKeys({ runId, source });
  if (page === undefined) logger.removePersistentKeys(['page']);
  else logger.appendPersistentKeys({ page });
}
