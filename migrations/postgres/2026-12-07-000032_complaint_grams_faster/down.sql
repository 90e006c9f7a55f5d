-- The keys as migration 000030 computed them (the same set, slower).
CREATE OR REPLACE FUNCTION hesheng_grams(a text, b text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT g), '{}')
    FROM unnest(ARRAY[hesheng_fold(coalesce(a, '')), hesheng_fold(coalesce(b, ''))]) AS f,
    LATERAL (
        SELECT substr(f, i, 1) AS g FROM generate_series(1, length(f)) AS i
        UNION ALL
        SELECT substr(f, i, 2) FROM generate_series(1, length(f) - 1) AS i
    ) AS grams
    WHERE strpos(g, ' ') = 0
$$;
