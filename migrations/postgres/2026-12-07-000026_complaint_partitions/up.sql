-- Complaints partitioned by the year they were received (UTC), so that a
-- city's years of complaints stay apart: each year a partition of its own
-- named complaint_y<year>, and complaint_default for a row no year
-- partition takes yet (a complaint received in a year not yet made). The
-- server makes this year's and next year's partitions at start and daily,
-- and moves what the default partition holds into partitions of its years
-- (src/db/partitions.rs). A partitioned table's primary key includes its
-- partition key: (id, received_at); ids stay unique as the identity
-- sequence alone gives them.
--
-- The functions below partition a table by year and back; the next
-- migration partitions the audit events and the archived documents with
-- them.

-- Makes the partition of year y of the partitioned table parent, unless
-- it exists; true when made. Rows of that year waiting in the default
-- partition move into it; a table whose rows may not be deleted
-- (append-only) keeps them in its default partition, and that year then
-- has no partition of its own.
CREATE FUNCTION hesheng_year_partition(parent text, y integer) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    part text := parent || '_y' || y;
    fallback text := parent || '_default';
    lo timestamp := make_timestamp(y, 1, 1, 0, 0, 0);
    hi timestamp := make_timestamp(y + 1, 1, 1, 0, 0, 0);
    key text;
    waiting boolean := false;
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    SELECT a.attname INTO STRICT key
      FROM pg_partitioned_table p
      JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
     WHERE p.partrelid = parent::regclass;
    -- Made apart and then attached: attaching locks the parent less than
    -- CREATE TABLE … PARTITION OF, so reads and writes go on meanwhile.
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)',
                   part, parent);
    IF to_regclass(fallback) IS NOT NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)', fallback, key, key)
           INTO waiting USING lo, hi;
    END IF;
    IF waiting THEN
        BEGIN
            EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) '
                           'INSERT INTO %I SELECT * FROM moved', fallback, key, key, part)
              USING lo, hi;
        EXCEPTION WHEN raise_exception THEN
            EXECUTE format('DROP TABLE %I', part);
            RETURN false;
        END;
    END IF;
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, lo, hi);
    PERFORM hesheng_statement_triggers(parent, part);
    RETURN true;
END;
$$;

-- Makes, for every partitioned table, the partitions of the year of today
-- and of the next, and of every year a row in its default partition
-- belongs to; returns how many it made. Servers sharing the database take
-- turns.
CREATE FUNCTION hesheng_partitions_ahead(today date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    parent text;
    key text;
    y integer;
    made integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(7370677);
    FOR parent, key IN
        SELECT c.relname, a.attname
          FROM pg_partitioned_table p
          JOIN pg_class c ON c.oid = p.partrelid
          JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
         WHERE c.relnamespace = 'public'::regnamespace
         ORDER BY c.relname
    LOOP
        FOR y IN
            SELECT extract(year FROM today)::integer
            UNION SELECT extract(year FROM today)::integer + 1
            UNION SELECT u.y FROM hesheng_default_years(parent, key) AS u(y)
            ORDER BY 1
        LOOP
            IF hesheng_year_partition(parent, y) THEN
                made := made + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN made;
END;
$$;

-- The years of the rows in parent's default partition.
CREATE FUNCTION hesheng_default_years(parent text, key text) RETURNS SETOF integer
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF to_regclass(parent || '_default') IS NOT NULL THEN
        RETURN QUERY EXECUTE format('SELECT DISTINCT extract(year FROM %I)::integer FROM %I',
                                    key, parent || '_default');
    END IF;
END;
$$;

-- The TRUNCATE triggers of parent (a TRUNCATE refused) made on its
-- partition part too: unlike row triggers, a partition does not inherit
-- them, and a partition truncated by name would not fire its parent's.
CREATE FUNCTION hesheng_statement_triggers(parent text, part text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    d text;
BEGIN
    FOR d IN SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t
              WHERE t.tgrelid = parent::regclass AND NOT t.tgisinternal AND t.tgtype & 32 <> 0
    LOOP
        EXECUTE replace(d, format(' ON public.%I ', parent), format(' ON public.%I ', part));
    END LOOP;
END;
$$;

-- The sequence of tbl's identity column id, if it has one.
CREATE FUNCTION hesheng_identity_sequence(tbl text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT pg_get_serial_sequence(tbl, 'id')
     WHERE EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tbl::regclass AND attname = 'id' AND NOT attisdropped)
$$;

-- Makes the table tbl anew, with its columns, checks, defaults, identity,
-- indexes, foreign keys and triggers: partitioned by the year of its
-- column key when key is given — a partition for every year its rows
-- belong to (and today's and next year's) and a default partition — else
-- as one table. Every row is copied over, the identity goes on where it
-- stood, the old table is dropped, and the new one's primary key is pk.
CREATE FUNCTION hesheng_remake(tbl text, key text, pk text, today date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    old text := tbl || '_old';
    ddl text[];
    seq text := hesheng_identity_sequence(tbl);
    last bigint;
    called boolean;
    d text;
    y integer;
BEGIN
    -- Definitions read while they still name tbl, which the new table will
    -- be: its indexes (a partitioned table's as a plain table's), then its
    -- own foreign keys (not their partitions' copies), then its triggers.
    SELECT coalesce(array_agg(replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') ORDER BY i.indexrelid), '{}')
      INTO ddl
      FROM pg_index i
     WHERE i.indrelid = tbl::regclass
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid);
    ddl := ddl || ARRAY(SELECT format('ALTER TABLE %I ADD CONSTRAINT %I %s', tbl, c.conname, pg_get_constraintdef(c.oid))
                          FROM pg_constraint c
                         WHERE c.conrelid = tbl::regclass AND c.contype = 'f' AND c.conparentid = 0
                         ORDER BY c.oid);
    ddl := ddl || ARRAY(SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t
                         WHERE t.tgrelid = tbl::regclass AND NOT t.tgisinternal ORDER BY t.oid);

    -- The old table gives up its names.
    FOR d IN SELECT i.indexrelid::regclass::text FROM pg_index i
              WHERE i.indrelid = tbl::regclass
                AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
    LOOP
        EXECUTE format('DROP INDEX %s', d);
    END LOOP;
    EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT %I TO %I', tbl, tbl || '_pkey', old || '_pkey');
    EXECUTE format('ALTER TABLE %I RENAME TO %I', tbl, old);
    IF seq IS NOT NULL THEN
        EXECUTE format('ALTER SEQUENCE %s RENAME TO %I', seq, old || '_id_seq');
        EXECUTE format('SELECT last_value, is_called FROM %I', old || '_id_seq') INTO last, called;
    END IF;

    IF key IS NULL THEN
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING ALL EXCLUDING INDEXES)', tbl, old);
    ELSE
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING ALL EXCLUDING INDEXES) PARTITION BY RANGE (%I)',
                       tbl, old, key);
        EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', tbl || '_default', tbl);
        FOR y IN
            EXECUTE format('SELECT DISTINCT extract(year FROM %I)::integer FROM %I UNION SELECT $1 UNION SELECT $1 + 1',
                           key, old)
              USING extract(year FROM today)::integer
        LOOP
            PERFORM hesheng_year_partition(tbl, y);
        END LOOP;
    END IF;
    -- Rows first, then the indexes, keys and triggers: built once, not row by row.
    EXECUTE format('INSERT INTO %I SELECT * FROM %I', tbl, old);
    EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (%s)', tbl, pk);
    FOREACH d IN ARRAY ddl LOOP
        EXECUTE d;
    END LOOP;
    FOR d IN SELECT i.inhrelid::regclass::text FROM pg_inherits i WHERE i.inhparent = tbl::regclass LOOP
        PERFORM hesheng_statement_triggers(tbl, d);
    END LOOP;
    IF seq IS NOT NULL THEN
        PERFORM setval(pg_get_serial_sequence(tbl, 'id'), last, called);
    END IF;
    EXECUTE format('DROP TABLE %I', old);
    -- The planner's statistics, of the whole and of each partition.
    EXECUTE format('ANALYZE %I', tbl);
END;
$$;

-- Partitions the table tbl by the year of its column key (see
-- hesheng_remake); its primary key becomes pk and key. A unique constraint
-- other than the primary key cannot hold across partitions: the caller
-- replaces it first.
CREATE FUNCTION hesheng_partition_by_year(tbl text, key text, pk text, today date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = tbl::regclass AND contype IN ('u', 'x')) THEN
        RAISE EXCEPTION '% has a unique constraint besides its primary key', tbl;
    END IF;
    PERFORM hesheng_remake(tbl, key, format('%s, %I', pk, key), today);
END;
$$;

-- The reverse: tbl made anew as one table with the primary key pk.
CREATE FUNCTION hesheng_unpartition(tbl text, pk text) RETURNS void
LANGUAGE sql AS $$
    SELECT hesheng_remake(tbl, NULL, pk, NULL)
$$;

SELECT hesheng_partition_by_year('complaint', 'received_at', 'id', (now() AT TIME ZONE 'UTC')::date);
