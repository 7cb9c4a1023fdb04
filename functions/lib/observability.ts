import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';

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

/**
 * Pages a source's buffer holds before it is written out. Powertools writes a buffer by itself
 * when a metric reaches 100 values, without the `level` a line needs to pass Lambda's log-level
 * filter (and off Lambda, where nothing should print): an invocation reads up to 250 pages, so
 * the buffer is written here, the way {@link publishMetrics} writes it, before that happens.
 */
const PAGES_PER_LINE = 99;
const pagesBuffered = new Map<string, number>();

/** Counts one fetched page, its items and its latency (`PagesFetched`, `ItemsWritten`, `PageLatency`). */
export function recordPage({ source, items, latencyMs }: PageMeasurement): void {
  const buffered = pagesBuffered.get(source) ?? 0;
  if (buffered >= PAGES_PER_LINE) flush(metricsFor(source), publishing());
  pagesBuffered.set(source, buffered >= PAGES_PER_LINE ? 1 : buffered + 1);
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

/** Lambda's application log levels that drop INFO lines. */
const ABOVE_INFO = ['WARN', 'ERROR', 'FATAL'];

/**
 * The `level` an EMF line carries so that Lambda keeps it. With the JSON log format Lambda
 * filters stdout lines by their `level` field and counts a line without one as INFO, so at
 * a WARN (or higher) application log level a plain EMF line is dropped and the metric goes
 * dark. The line therefore states the function's own minimum level (`AWS_LAMBDA_LOG_LEVEL`,
 * set by Lambda from the application log level), never less than INFO, and passes whatever
 * the log level: metrics do not depend on how chatty the logs are.
 */
function metricLineLevel(): string {
  const level = process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase();
  return level !== undefined && ABOVE_INFO.includes(level) ? level : 'INFO';
}

/**
 * Writes the metrics recorded since the last call as EMF to stdout and empties the buffers.
 * Call it once at the end of each invocation (in a `finally`). Buffers with nothing in them
 * are skipped, so Powertools never warns "No application metrics to publish".
 */
export function publishMetrics(): void {
  const emit = publishing();
  for (const buffer of [metrics, ...bySource.values()]) flush(buffer, emit);
  pagesBuffered.clear();
}

function flush(buffer: Metrics, emit: boolean): void {
  if (!buffer.hasStoredMetrics()) return;
  // Metadata is a top-level key of the EMF line (not a dimension); Powertools clears it on publish.
  if (emit) buffer.addMetadata('level', metricLineLevel()).publishStoredMetrics();
  else buffer.clearMetrics();
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

/**
 * Adds the Lambda context (request id, cold start, function name and memory) to every log
 * line of this invocation. Call it first in each handler; the local engine passes no context,
 * and then nothing is added.
 */
export function withLambdaContext(context: Context | undefined): void {
  if (context) logger.addContext(context);
}
