//! Print jobs: a batch of documents rendered into one PDF, its progress,
//! and the copies it registers.

use super::*;

/// One document of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobItem {
    /// Case.
    pub case_id: i64,
    /// Kind code.
    pub kind: String,
    /// Copies.
    pub copies: i32,
    /// The request it fulfils.
    pub request_id: Option<i64>,
    /// For whom.
    #[serde(default)]
    pub recipient: Option<String>,
}

/// A batch print job without its PDF.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = print_job)]
pub struct PrintJob {
    /// Id.
    pub id: i64,
    /// Committee.
    pub committee_id: i64,
    /// running, done or failed.
    pub status: String,
    /// Documents in the batch.
    pub total: i32,
    /// Documents rendered so far.
    pub done: i32,
    /// Pages of the finished PDF.
    pub pages: i32,
    /// The items.
    pub items: Json<Vec<JobItem>>,
    /// Why it failed.
    pub error: Option<String>,
    /// Who started it.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: NaiveDateTime,
    /// When finished.
    pub finished_at: Option<NaiveDateTime>,
}

impl PrintJob {
    /// The documents of the batch.
    pub fn items(&self) -> Vec<JobItem> {
        self.items.0.clone()
    }
}

/// Starts a batch; returns its id.
pub fn start_job(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    items: &[JobItem],
    now: NaiveDateTime,
) -> QueryResult<i64> {
    audited(conn, actor, committee_id, |conn, log| {
        // Every case printed must be the committee's own: another
        // committee's case is as unknown as one that does not exist.
        let mut cases: Vec<i64> = items.iter().map(|i| i.case_id).collect();
        cases.sort_unstable();
        cases.dedup();
        let own: i64 = mediation_case::table
            .filter(mediation_case::committee_id.eq(committee_id).and(mediation_case::id.eq_any(&cases)))
            .count()
            .get_result(conn)?;
        if usize::try_from(own).ok() != Some(cases.len()) {
            return Err(diesel::result::Error::NotFound);
        }
        let total = i32::try_from(items.len()).unwrap_or(i32::MAX);
        let id = diesel::insert_into(print_job::table)
            .values((
                print_job::committee_id.eq(committee_id),
                print_job::status.eq("running"),
                print_job::total.eq(total),
                print_job::items.eq(serde_json::to_string(items).unwrap_or_default()),
                print_job::created_by.eq(actor.id),
                print_job::created_at.eq(now),
            ))
            .returning(print_job::id)
            .get_result::<i64>(conn)?;
        log.record("print.job_start", "print_job", id, json!({"documents": total}));
        Ok(id)
    })
}

/// Notes how many documents of a running job are rendered. This is the
/// job's progress, not a record of the committee; its start and outcome
/// are in the audit chain.
pub fn progress(conn: &mut DbConn, job_id: i64, done: i32) -> QueryResult<()> {
    diesel::update(print_job::table.find(job_id)).set(print_job::done.eq(done)).execute(conn).map(|_| ())
}

/// A printed document for the copy register.
#[derive(Debug, Clone)]
pub struct NewCopy {
    /// Case.
    pub case_id: i64,
    /// Kind code.
    pub kind: String,
    /// Copies.
    pub copies: i32,
    /// Pages of one copy.
    pub pages: i32,
    /// SHA-256 of one copy's PDF.
    pub sha256: String,
    /// For whom.
    pub recipient: Option<String>,
}

/// What a finished job made.
#[derive(Debug, Clone)]
pub struct Finished<'a> {
    /// The merged PDF.
    pub pdf: &'a [u8],
    /// Its pages.
    pub pages: i32,
    /// The documents in it, for the copy register.
    pub copies: &'a [NewCopy],
    /// The queue requests it printed.
    pub request_ids: &'a [i64],
}

/// Finishes a job: its PDF, the copy register, the requests it printed.
pub fn finish_job(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    job_id: i64,
    finished: &Finished<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let Finished { pdf, pages, copies, request_ids } = *finished;
    audited(conn, actor, committee_id, |conn, log| {
        diesel::update(print_job::table.find(job_id))
            .set((
                print_job::status.eq("done"),
                print_job::pdf.eq(pdf),
                print_job::pages.eq(pages),
                print_job::done.eq(i32::try_from(copies.len()).unwrap_or(i32::MAX)),
                print_job::finished_at.eq(now),
            ))
            .execute(conn)?;
        for c in copies {
            let id = diesel::insert_into(document_copy::table)
                .values((
                    document_copy::committee_id.eq(committee_id),
                    document_copy::case_id.eq(c.case_id),
                    document_copy::kind.eq(&c.kind),
                    document_copy::copies.eq(c.copies),
                    document_copy::pages.eq(c.pages),
                    document_copy::sha256.eq(&c.sha256),
                    document_copy::recipient.eq(&c.recipient),
                    document_copy::job_id.eq(job_id),
                    document_copy::printed_by.eq(actor.id),
                    document_copy::printed_at.eq(now),
                ))
                .returning(document_copy::id)
                .get_result::<i64>(conn)?;
            log.record(
                "print.copy",
                "document_copy",
                id,
                json!({"case_id": c.case_id, "kind": c.kind, "copies": c.copies, "sha256": c.sha256, "recipient": c.recipient}),
            );
        }
        diesel::update(print_request::table.filter(print_request::id.eq_any(request_ids)))
            .set((print_request::job_id.eq(job_id), print_request::printed_at.eq(now)))
            .execute(conn)?;
        log.record("print.job_done", "print_job", job_id, json!({"pages": pages}));
        Ok(())
    })
}

/// Marks a job failed.
pub fn fail_job(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    job_id: i64,
    error: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    audited(conn, actor, committee_id, |conn, log| {
        diesel::update(print_job::table.find(job_id))
            .set((print_job::status.eq("failed"), print_job::error.eq(error), print_job::finished_at.eq(now)))
            .execute(conn)?;
        log.record("print.job_failed", "print_job", job_id, json!({"error": error}));
        Ok(())
    })
}

/// A job of a committee.
pub fn find_job(conn: &mut DbConn, committee_id: i64, id: i64) -> QueryResult<PrintJob> {
    print_job::table
        .filter(print_job::id.eq(id).and(print_job::committee_id.eq(committee_id)))
        .select(PrintJob::as_select())
        .first(conn)
}

/// The PDF of a finished job.
pub fn job_pdf(conn: &mut DbConn, committee_id: i64, id: i64) -> QueryResult<Option<Vec<u8>>> {
    print_job::table
        .filter(print_job::id.eq(id).and(print_job::committee_id.eq(committee_id)))
        .select(print_job::pdf)
        .first(conn)
}
