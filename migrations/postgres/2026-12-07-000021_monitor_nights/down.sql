DROP TABLE night_finding;
