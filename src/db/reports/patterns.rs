//! When and where complaints come: the weekday × hour grid, hotspots,
//! exceedances by hour.

use super::*;

#[derive(QueryableByName)]
pub(super) struct Slot {
    #[diesel(sql_type = Text)]
    slot: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
pub(super) struct WeekdayHour {
    #[diesel(sql_type = Integer)]
    dow: i32,
    #[diesel(sql_type = Integer)]
    hour: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Complaints received, by local weekday (0 = Sunday) and hour.
pub fn complaints_by_weekday_hour(conn: &mut DbConn, committee_id: i64, p: &Period) -> QueryResult<[[i64; 24]; 7]> {
    let rows: Vec<WeekdayHour> = match conn {
        // Counting by ten-minute slot of UTC reads the index alone and is
        // exact for any offset that is a whole number of ten minutes (all of
        // China's); the slots are then moved to local time here.
        DbConn::Sqlite(c) if p.offset_minutes % 10 == 0 => {
            let slots: Vec<Slot> = diesel::sql_query(
                "SELECT substr(received_at, 1, 15) AS slot, COUNT(*) AS n FROM complaint \
                 WHERE committee_id = ? AND received_at >= ? AND received_at < ? GROUP BY slot",
            )
            .bind::<BigInt, _>(committee_id)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until)
            .load(c)?;
            let shift = chrono::TimeDelta::minutes(i64::from(p.offset_minutes));
            slots
                .into_iter()
                .filter_map(|s| {
                    let at = NaiveDateTime::parse_from_str(&format!("{}0", s.slot), "%Y-%m-%d %H:%M").ok()? + shift;
                    let dow = i32::try_from(at.weekday().num_days_from_sunday()).ok()?;
                    let hour = i32::try_from(at.hour()).ok()?;
                    Some(WeekdayHour { dow, hour, n: s.n })
                })
                .collect()
        }
        DbConn::Sqlite(c) => {
            let shift = format!("{:+} minutes", p.offset_minutes);
            diesel::sql_query(
                "SELECT CAST(strftime('%w', received_at, ?) AS INTEGER) AS dow, \
                 CAST(strftime('%H', received_at, ?) AS INTEGER) AS hour, COUNT(*) AS n FROM complaint \
                 WHERE committee_id = ? AND received_at >= ? AND received_at < ? GROUP BY 1, 2",
            )
            .bind::<Text, _>(&shift)
            .bind::<Text, _>(&shift)
            .bind::<BigInt, _>(committee_id)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until)
            .load(c)?
        }
        DbConn::Postgres(c) => diesel::sql_query(
            "SELECT CAST(EXTRACT(DOW FROM received_at + make_interval(mins => $1)) AS INTEGER) AS dow, \
             CAST(EXTRACT(HOUR FROM received_at + make_interval(mins => $1)) AS INTEGER) AS hour, COUNT(*) AS n \
             FROM complaint WHERE committee_id = $2 AND received_at >= $3 AND received_at < $4 GROUP BY 1, 2",
        )
        .bind::<Integer, _>(p.offset_minutes)
        .bind::<BigInt, _>(committee_id)
        .bind::<Timestamp, _>(p.from)
        .bind::<Timestamp, _>(p.until)
        .load(c)?,
    };
    let mut grid = [[0; 24]; 7];
    for r in rows {
        if let (Ok(d), Ok(h)) = (usize::try_from(r.dow), usize::try_from(r.hour))
            && d < 7
            && h < 24
        {
            grid[d][h] += r.n;
        }
    }
    Ok(grid)
}

#[derive(QueryableByName)]
pub(super) struct Hotspot {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
pub(super) struct Sample {
    #[diesel(sql_type = Nullable<Text>)]
    sample: Option<String>,
}

// The counts come from an index alone; only the few places listed are then
// named, each by its first spelling in the period. Equal counts go by the
// bytes of their keys on either backend, as the roll-up orders them.
pub(super) fn hotspots_sql(backend: Backend) -> Sql {
    match backend {
        Backend::Sqlite => Sql("SELECT location_key AS key, COUNT(*) AS n FROM complaint \
             WHERE committee_id = ? AND received_at >= ? AND received_at < ? \
             GROUP BY location_key ORDER BY n DESC, location_key LIMIT ?"),
        Backend::Postgres => Sql("SELECT location_key AS key, COUNT(*) AS n FROM complaint \
             WHERE committee_id = ? AND received_at >= ? AND received_at < ? \
             GROUP BY location_key ORDER BY n DESC, location_key COLLATE \"C\" LIMIT ?"),
    }
}
const HOTSPOT_NAME: Sql = Sql("SELECT MIN(location) AS sample FROM complaint \
     WHERE committee_id = ? AND location_key = ? AND received_at >= ? AND received_at < ?");

/// The places complained about most (locations compared normalised).
pub fn hotspots(conn: &mut DbConn, committee_id: i64, p: &Period, limit: i64) -> QueryResult<Vec<(String, i64)>> {
    let backend = conn.backend();
    let query = diesel::sql_query(hotspots_sql(backend).text(backend))
        .bind::<BigInt, _>(committee_id)
        .bind::<Timestamp, _>(p.from)
        .bind::<Timestamp, _>(p.until)
        .bind::<BigInt, _>(limit);
    let rows: Vec<Hotspot> = on_backend!(conn, c => query.load(c))?;
    let mut named = Vec::with_capacity(rows.len());
    for h in rows {
        let query = diesel::sql_query(HOTSPOT_NAME.text(backend))
            .bind::<BigInt, _>(committee_id)
            .bind::<Text, _>(&h.key)
            .bind::<Timestamp, _>(p.from)
            .bind::<Timestamp, _>(p.until);
        let sample: Sample = on_backend!(conn, c => query.get_result(c))?;
        named.push((sample.sample.unwrap_or(h.key), h.n));
    }
    // Equal counts in the order of their names, as before.
    named.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(named)
}

#[derive(QueryableByName)]
pub(super) struct HourCount {
    #[diesel(sql_type = Integer)]
    hour: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Valid measurements above the limit, by local hour.
pub fn exceedances_by_hour(conn: &mut DbConn, committee_id: i64, p: &Period) -> QueryResult<[i64; 24]> {
    let rows: Vec<HourCount> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT CAST(strftime('%H', m.measured_at, ?) AS INTEGER) AS hour, COUNT(*) AS n FROM measurement m \
             JOIN mediation_case c ON c.id = m.case_id WHERE c.committee_id = ? AND m.measured_at >= ? \
             AND m.measured_at < ? AND m.valid AND m.exceeds_by_db > 0 GROUP BY 1",
        )
        .bind::<Text, _>(format!("{:+} minutes", p.offset_minutes))
        .bind::<BigInt, _>(committee_id)
        .bind::<Timestamp, _>(p.from)
        .bind::<Timestamp, _>(p.until)
        .load(c)?,
        DbConn::Postgres(c) => diesel::sql_query(
            "SELECT CAST(EXTRACT(HOUR FROM m.measured_at + make_interval(mins => $1)) AS INTEGER) AS hour, \
             COUNT(*) AS n FROM measurement m JOIN mediation_case c ON c.id = m.case_id WHERE c.committee_id = $2 \
             AND m.measured_at >= $3 AND m.measured_at < $4 AND m.valid AND m.exceeds_by_db > 0 GROUP BY 1",
        )
        .bind::<Integer, _>(p.offset_minutes)
        .bind::<BigInt, _>(committee_id)
        .bind::<Timestamp, _>(p.from)
        .bind::<Timestamp, _>(p.until)
        .load(c)?,
    };
    let mut hours = [0; 24];
    for r in rows {
        if let Ok(h) = usize::try_from(r.hour)
            && h < 24
        {
            hours[h] += r.n;
        }
    }
    Ok(hours)
}
