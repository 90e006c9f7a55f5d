//! `hesheng monitor evaluate`: the nightly evaluation of monitored
//! agreements, at once (the server runs it every hour by itself).

use std::process::ExitCode;

use chrono::NaiveDate;

use super::{CliError, open};
use crate::app::monitor_nights::evaluate_nights_on;
use crate::config::DatabaseArgs;

pub(super) fn evaluate(args: &DatabaseArgs, night: Option<&str>) -> Result<ExitCode, CliError> {
    let night = night
        .map(|n| NaiveDate::parse_from_str(n, "%Y-%m-%d"))
        .transpose()
        .map_err(|_| CliError::Usage("--night takes a date, YYYY-MM-DD".into()))?;
    let mut conn = open(args)?;
    let run = evaluate_nights_on(&mut conn, night, chrono::Utc::now().naive_utc())
        .map_err(|e| CliError::Failed(format!("{e:#}")))?;
    println!(
        "{} monitored agreements: {} nights evaluated, {} findings, {} possible breaches",
        run.watches, run.evaluated, run.findings, run.possible_breaches
    );
    Ok(ExitCode::SUCCESS)
}
