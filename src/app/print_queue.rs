//! The print queue: documents asked for, batches printed into one PDF on
//! a thread of their own, and the copy register.

use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::app::documents::{Kind, PrintSettings, prepare_case_document};
use crate::app::error::{AppError, AppResult};
use crate::db::Db;
use crate::db::print_queue::{self, JobItem, NewCopy};
use crate::db::users::User;
use crate::documents::Rendered;
use crate::documents::merge::merge;

/// Puts `copies` of a document of case `case_id` into the committee's
/// print queue.
pub async fn request_print(
    db: &Db,
    user: &User,
    case_id: i64,
    kind: Kind,
    copies: i32,
    note: Option<String>,
) -> AppResult<()> {
    let user = user.clone();
    db.run(move |conn| {
        let new = print_queue::NewRequest { case_id, kind: kind.code(), copies, note: note.as_deref() };
        print_queue::request(conn, &user.actor(), user.committee_id, &new, Utc::now().naive_utc())?;
        Ok::<_, AppError>(())
    })
    .await
}

/// Starts printing `items` of the queue as one batch and answers the
/// job's id at once; the batch renders on a thread of its own. Each copy
/// is for whom the queue says (`kept`: the file's own copy).
pub async fn print_batch(
    db: &Db,
    user: &User,
    mut items: Vec<JobItem>,
    kept: String,
    settings: PrintSettings,
) -> AppResult<i64> {
    let committee_id = user.committee_id;
    let queue = db.run(move |conn| Ok::<_, AppError>(print_queue::queue(conn, committee_id, &kept)?)).await?;
    for item in &mut items {
        item.recipient = queue
            .iter()
            .find(|e| {
                e.case_id == item.case_id && e.kind == item.kind && e.request.as_ref().map(|r| r.id) == item.request_id
            })
            .and_then(|e| e.recipient.clone());
    }
    let job_items = items.clone();
    let actor = user.actor();
    let job_id = db
        .run(move |conn| {
            Ok::<_, AppError>(print_queue::start_job(conn, &actor, committee_id, &job_items, Utc::now().naive_utc())?)
        })
        .await?;
    spawn_job(db, user.clone(), job_id, items, settings);
    Ok(job_id)
}

/// Renders a batch on its own thread: each document (an effective agreement
/// from the archive), then one merged PDF, then the copy register.
fn spawn_job(db: &Db, user: User, job_id: i64, items: Vec<JobItem>, settings: PrintSettings) {
    let run = move |db: Db| {
        let actor = user.actor();
        let committee_id = user.committee_id;
        let failure = |e: &dyn std::fmt::Display| AppError::Internal(anyhow::anyhow!("{e}"));
        // Each document's records are read on a connection, rendered with
        // none held, and archived or audited on one again.
        let outcome = (|| -> AppResult<()> {
            let mut parts = Vec::with_capacity(items.len());
            let mut copies = Vec::with_capacity(items.len());
            for (n, item) in items.iter().enumerate() {
                let kind = Kind::parse(&item.kind).ok_or_else(|| failure(&"unknown document"))?;
                let named = |e: &dyn std::fmt::Display| failure(&format!("case {} {}: {e}", item.case_id, item.kind));
                let prepared = db.run_blocking(|conn| {
                    prepare_case_document(conn, committee_id, item.case_id, kind, &settings).map_err(|e| named(&e))
                })?;
                let rendered = prepared.render().map_err(|e| named(&e))?;
                let done = i32::try_from(n + 1).unwrap_or(i32::MAX);
                let rendered = db.run_blocking(|conn| -> AppResult<Rendered> {
                    let rendered = rendered.finish(conn, &actor).map_err(|e| named(&e))?;
                    print_queue::progress(conn, job_id, done)?;
                    Ok(rendered)
                })?;
                copies.push(NewCopy {
                    case_id: item.case_id,
                    kind: item.kind.clone(),
                    copies: item.copies,
                    pages: i32::try_from(rendered.pages).unwrap_or(i32::MAX),
                    sha256: hex::encode(Sha256::digest(&rendered.bytes)),
                    recipient: item.recipient.clone(),
                });
                parts.push((rendered.bytes, usize::try_from(item.copies).unwrap_or(1)));
            }
            let borrowed: Vec<(&[u8], usize)> = parts.iter().map(|(b, c)| (b.as_slice(), *c)).collect();
            let (pdf, pages) = merge(&borrowed).map_err(|e| failure(&e))?;
            let request_ids: Vec<i64> = items.iter().filter_map(|i| i.request_id).collect();
            let pages = i32::try_from(pages).unwrap_or(i32::MAX);
            let finished = print_queue::Finished { pdf: &pdf, pages, copies: &copies, request_ids: &request_ids };
            db.run_blocking(|conn| -> AppResult<()> {
                print_queue::finish_job(conn, &actor, committee_id, job_id, &finished, Utc::now().naive_utc())?;
                Ok(())
            })
        })();
        if let Err(error) = outcome {
            tracing::error!(job_id, %error, "print job failed");
            let failed = db.run_blocking(|conn| -> AppResult<()> {
                print_queue::fail_job(conn, &actor, committee_id, job_id, "render", Utc::now().naive_utc())?;
                Ok(())
            });
            if let Err(error) = failed {
                tracing::error!(job_id, %error, "print job could not be marked failed");
            }
        }
    };
    if let Err(error) = db.detach(&format!("print-job-{job_id}"), run) {
        tracing::error!(job_id, %error, "print job not started");
    }
}

/// The print queue of the user's committee (`kept` names the file copy)
/// and the open cases a request may be made for.
pub async fn queue(
    db: &Db,
    user: &User,
    kept: String,
) -> AppResult<(Vec<print_queue::QueueEntry>, Vec<crate::db::cases::Listed>)> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let entries = print_queue::queue(conn, committee_id, &kept)?;
        let open = crate::db::dashboard::open_cases(conn, committee_id, None, 200)?;
        Ok::<_, AppError>((entries, open))
    })
    .await
}

/// Batch `id` of the user's committee with the case number of each item.
pub async fn job(db: &Db, user: &User, id: i64) -> AppResult<(print_queue::PrintJob, Vec<String>)> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let job = print_queue::find_job(conn, committee_id, id)?;
        let mut numbers = Vec::new();
        for item in job.items() {
            numbers
                .push(crate::db::cases::find(conn, committee_id, item.case_id).map(|c| c.number).unwrap_or_default());
        }
        Ok::<_, AppError>((job, numbers))
    })
    .await
}

/// The merged PDF of finished batch `id` of the user's committee.
pub async fn job_pdf(db: &Db, user: &User, id: i64) -> AppResult<Vec<u8>> {
    let committee_id = user.committee_id;
    db.run(move |conn| Ok::<_, AppError>(print_queue::job_pdf(conn, committee_id, id)?))
        .await?
        .ok_or(AppError::NotFound)
}

/// The copy register of the user's committee, newest first, before
/// `before_id`; and the committee's UTC offset.
pub async fn register(
    db: &Db,
    user: &User,
    before_id: Option<i64>,
    limit: i64,
) -> AppResult<(Vec<print_queue::CopyLine>, i32)> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let offset = crate::db::committees::find(conn, committee_id)?.utc_offset_minutes;
        Ok::<_, AppError>((print_queue::register(conn, committee_id, before_id, limit)?, offset))
    })
    .await
}
