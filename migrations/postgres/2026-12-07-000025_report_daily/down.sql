DROP TABLE report_daily;
