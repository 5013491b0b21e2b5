// Unit tests get a complete, obviously-local configuration; nothing in it is a real secret.
process.env.CACHE_TABLE_NAME ??= 'open-banking-users-unit';
process.env.AWS_REGION ??= 'eu-west-1';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
