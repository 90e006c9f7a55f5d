SELECT hesheng_unpartition('complaint', 'id');
DROP FUNCTION hesheng_unpartition(text, text);
DROP FUNCTION hesheng_partition_by_year(text, text, text, date);
DROP FUNCTION hesheng_remake(text, text, text, date);
DROP FUNCTION hesheng_partitions_ahead(date);
DROP FUNCTION hesheng_default_years(text, text);
DROP FUNCTION hesheng_statement_triggers(text, text);
DROP FUNCTION hesheng_identity_sequence(text);
DROP FUNCTION hesheng_year_partition(text, integer);
