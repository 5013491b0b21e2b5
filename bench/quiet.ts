// Imported first by every benchmark: no log lines or EMF metrics in the figures' output.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
