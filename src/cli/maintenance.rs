//! The operator's commands on a database: anonymising, resealing, storing
//! case views, verifying and anchoring the audit chain, rendering a
//! document, taking a backup.

use super::*;

pub(super) fn anonymise(args: &DatabaseArgs) -> Result<ExitCode, CliError> {
    let mut conn = open(args)?;
    let done = db::privacy::anonymise_expired(&mut conn, chrono::Utc::now().naive_utc())?;
    println!(
        "anonymised {} parties past their committee's retention period: {} agreement snapshots and {} signatures \
         without them, {} archived documents erased (hashes kept), {} print batches dropped",
        done.parties, done.agreements, done.signatures, done.documents, done.print_jobs
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) fn reseal(args: &DatabaseArgs) -> Result<ExitCode, CliError> {
    // Opening checks the keys and seals what the current key has not sealed
    // yet (values written by an instance still on the old key included).
    // When the database was on another key, that was a full pass already.
    let (mut conn, prepared) = open_with_settings(args)?;
    let ring = crate::data_key::installed().map_err(|e| CliError::Failed(e.to_string()))?;
    let resealed = match prepared {
        Some(resealed) => resealed,
        None => seal_all(&mut conn, &ring)?,
    };
    println!(
        "sealed under data key {}: {} phone and {} identity numbers anew, {} stored case views dropped; keys {} no longer needed",
        ring.current_id(),
        resealed.phones,
        resealed.id_numbers,
        resealed.views,
        match ring.ids().get(1..) {
            Some(old) if !old.is_empty() => old.join(", "),
            _ => "(none)".to_owned(),
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) fn build_views(args: &DatabaseArgs, lang: Option<&str>, jobs: u32) -> Result<ExitCode, CliError> {
    let lang = match lang {
        None => Lang::ZhCn,
        Some(code) => Lang::parse(code).map_err(|_| CliError::Usage(format!("unknown language {code:?}")))?,
    };
    // Every connection is open before the work starts (see `single`).
    let mut settings = DatabaseSettings::from_args(args)?;
    settings.pool.max_size = jobs;
    let (pool, _) = db::opening::prepare_database(&settings)?;
    let mut conns =
        (0..jobs).map(|_| pool.get()).collect::<Result<Vec<_>, _>>().map_err(|e| CliError::Failed(e.to_string()))?;
    let mut conns: Vec<&mut db::DbConn> = conns.iter_mut().map(|c| &mut **c).collect();
    let started = std::time::Instant::now();
    let stored = crate::app::case_view::store_missing_views_on(&mut conns, lang, |n| {
        eprint!("\rstored {n} case views");
    })
    .map_err(|e| CliError::Failed(e.to_string()))?;
    eprintln!();
    println!("stored {stored} case views ({lang}) in {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

pub(super) fn verify_audit(args: &DatabaseArgs) -> Result<ExitCode, CliError> {
    let settings = single(args)?;
    let mut conn = open(args)?;
    let ring = crate::data_key::installed().map_err(|e| CliError::Failed(e.to_string()))?;
    let failed = |what: String| {
        println!("FAILED: {what}");
        Ok(ExitCode::from(1))
    };
    let count = match audit::verify_keyed(&mut conn, &ring)? {
        Ok(count) => count,
        Err(fault) => return failed(fault.to_string()),
    };
    let anchors = match db::anchors::check(&mut conn, &settings.audit_anchors, &ring)? {
        Ok(n) => n,
        Err(fault) => return failed(fault),
    };
    // Frozen snapshots change only with an anonymisation the chain records.
    let unmatched = db::privacy::unmatched_snapshots(&mut conn)?;
    if let Some(id) = unmatched.first() {
        return failed(format!(
            "agreement {id}: its frozen content matches neither the hash it took effect with \
             nor an anonymisation recorded in the audit chain ({} agreements in all)",
            unmatched.len()
        ));
    }
    let findings = db::integrity::check(&mut conn)?;
    if let Some(first) = findings.first() {
        return failed(format!("{first} ({} findings in all)", findings.len()));
    }
    println!("ok {count} events");
    if anchors == 0 {
        eprintln!(
            "note: no anchors in {} — events cut from the end of a chain cannot be told apart from events never written",
            settings.audit_anchors.display()
        );
    } else {
        eprintln!("{anchors} anchors in {} found in the chain", settings.audit_anchors.display());
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn anchor_audit(args: &DatabaseArgs) -> Result<ExitCode, CliError> {
    let settings = single(args)?;
    let mut conn = open(args)?;
    let ring = crate::data_key::installed().map_err(|e| CliError::Failed(e.to_string()))?;
    let fresh = db::anchors::unanchored(&settings.audit_anchors, db::anchors::heads(&mut conn)?);
    let written = db::anchors::append(&settings.audit_anchors, &ring, &fresh, chrono::Utc::now().naive_utc())
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", settings.audit_anchors.display())))?;
    println!("anchored {written} chain heads in {}", settings.audit_anchors.display());
    Ok(ExitCode::SUCCESS)
}

pub(super) fn render(
    args: &DatabaseArgs,
    kind: &str,
    case_id: i64,
    output: &std::path::Path,
    base_url: &str,
    lang: Option<&str>,
) -> Result<ExitCode, CliError> {
    let lang = lang.map(Lang::parse).transpose().map_err(|e| refused("--lang", &e))?;
    let kind = crate::app::documents::Kind::parse(kind).ok_or_else(|| {
        let kinds: Vec<&str> = crate::app::documents::Kind::ALL.iter().map(|k| k.code()).collect();
        CliError::Usage(format!("unknown document kind {kind:?}; one of {}", kinds.join(", ")))
    })?;
    let mut conn = open(args)?;
    let settings = crate::app::documents::PrintSettings { base_url: base_url.to_owned(), lang, full_phones: true };
    let committee_id = {
        use crate::db::schema::mediation_case;
        use diesel::prelude::*;
        mediation_case::table
            .find(case_id)
            .select(mediation_case::committee_id)
            .first::<i64>(&mut conn)
            .optional()?
            .ok_or_else(|| CliError::Failed(format!("there is no case {case_id}")))?
    };
    let rendered = crate::app::documents::render_case_document(
        &mut conn,
        committee_id,
        case_id,
        kind,
        &settings,
        &Actor::cli(),
    )
    .map_err(|e| match e {
        crate::app::documents::PrintError::NotFound => CliError::Failed(format!("there is no case {case_id}")),
        crate::app::documents::PrintError::NotApplicable => {
            CliError::Failed(format!("case {case_id} has no {} (yet)", kind.code()))
        }
        crate::app::documents::PrintError::NoPublicAddress(url) => CliError::Usage(format!(
            "the {} of case {case_id} prints a verification QR code, and {url} is not an address residents can open: \
                 set HESHENG_BASE_URL or pass --base-url with the public address (e.g. https://mediation.example.cn)",
            kind.code()
        )),
        other => CliError::Failed(other.to_string()),
    })?;
    std::fs::write(output, &rendered.bytes)
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", output.display())))?;
    println!("wrote {} ({} pages, {} bytes)", output.display(), rendered.pages, rendered.bytes.len());
    Ok(ExitCode::SUCCESS)
}

pub(super) fn backup(args: &DatabaseArgs, path: &std::path::Path) -> Result<ExitCode, CliError> {
    // A copy needs no data key: it opens no personal data and writes nothing.
    let mut conn = open_one_without_key(&single(args)?)?;
    let DbConn::Sqlite(sqlite) = &mut *conn else {
        return Err(CliError::Usage(
            "backup copies SQLite databases; for PostgreSQL use pg_dump (e.g. pg_dump -Fc -f hesheng.dump \"$DATABASE_URL\")".into(),
        ));
    };
    if path.exists() {
        return Err(CliError::Usage(format!("{} exists; choose a new file", path.display())));
    }
    let target = path.to_str().ok_or_else(|| CliError::Usage("the backup path is not valid UTF-8".into()))?;
    // VACUUM INTO reads one consistent snapshot while the server keeps writing.
    diesel::sql_query("VACUUM INTO ?").bind::<Text, _>(target).execute(sqlite)?;
    println!("backup written to {}", path.display());
    Ok(ExitCode::SUCCESS)
}

pub(super) fn rebuild_reports(args: &DatabaseArgs, committee: Option<i64>) -> Result<ExitCode, CliError> {
    let mut conn = open(args)?;
    if let Some(id) = committee {
        db::committees::find(&mut conn, id).map_err(|_| CliError::Usage(format!("no committee {id}")))?;
    }
    let started = std::time::Instant::now();
    let rows = db::reports::rebuild(&mut conn, committee)?;
    println!("report roll-up counted anew: {rows} rows in {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
