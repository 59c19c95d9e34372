import { collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** Prometheus metrics for one server process, served at /metrics. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requestDuration = new Histogram({
    name: "holdfast_http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { registry, requestDuration };
}
export type Metrics = ReturnType<typeof createMetrics>;
