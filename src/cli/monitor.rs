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

/// How a simulated device plays.
pub(super) struct Simulation {
    /// The listener, HOST:PORT.
    pub address: String,
    /// The device's identity.
    pub mn: String,
    /// Its password.
    pub password: String,
    /// Minute uploads to send, the last for the minute before now.
    pub minutes: u32,
    /// Connections to send them over at once.
    pub connections: u32,
    /// L_Aeq of the uploads, dB(A) (each minute wobbles a little around it).
    pub level_db: f64,
    /// The device clock's offset east of UTC, minutes.
    pub offset_minutes: i32,
}

/// Plays a noise monitor over HJ 212 TCP: minute uploads (CN 2051) of the
/// last `minutes` minutes, each asking for a reply, over `connections`
/// connections at once; prints what the server answered and how fast.
pub(super) fn simulate(sim: &Simulation) -> Result<ExitCode, CliError> {
    use crate::hj212::{NoiseFactor, NoiseUpload, Qn, cn, encode_upload, st};
    if sim.connections == 0 || sim.minutes == 0 {
        return Err(CliError::Usage("--minutes and --connections must be at least 1".into()));
    }
    let now = chrono::Utc::now().naive_utc() + chrono::TimeDelta::minutes(i64::from(sim.offset_minutes));
    let now = now - chrono::TimeDelta::seconds(i64::from(chrono::Timelike::second(&now)));
    let mut frames: Vec<Vec<String>> = vec![Vec::new(); sim.connections as usize];
    for m in 0..sim.minutes {
        let data_time = now - chrono::TimeDelta::minutes(i64::from(sim.minutes - m));
        let wobble = f64::from((m * 7919) % 21) / 10.0 - 1.0;
        let laeq = ((sim.level_db + wobble) * 10.0).round() / 10.0;
        let levels = [(NoiseFactor::Leq, laeq), (NoiseFactor::Lmax, laeq + 8.0), (NoiseFactor::L90, laeq - 4.0)];
        let qn =
            Qn::of(now + chrono::TimeDelta::milliseconds(i64::from(m))).ok_or_else(|| CliError::Failed("QN".into()))?;
        let frame = encode_upload(&NoiseUpload {
            qn,
            st: st::AMBIENT_NOISE,
            cn: cn::MINUTE,
            pw: &sim.password,
            mn: &sim.mn,
            wants_reply: true,
            data_time,
            levels: &levels,
            flag: None,
        })
        .map_err(|e| CliError::Usage(format!("cannot write an upload: {e}")))?;
        frames[(m % sim.connections) as usize].push(frame);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("runtime: {e}")))?;
    let started = std::time::Instant::now();
    let answers: Vec<Result<Vec<String>, String>> = runtime.block_on(async {
        let plays = frames.into_iter().map(|frames| play(sim.address.clone(), frames));
        futures_util::future::join_all(plays).await
    });
    let elapsed = started.elapsed();
    let mut acknowledged = 0;
    let mut refused: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for answer in answers {
        for reply in answer.map_err(CliError::Failed)? {
            if reply.contains("CN=9014") {
                acknowledged += 1;
            } else {
                let code = reply.split("QnRtn=").nth(1).and_then(|r| r.split('&').next()).unwrap_or("?").to_owned();
                *refused.entry(code).or_default() += 1;
            }
        }
    }
    let refusals: Vec<String> = refused.iter().map(|(code, n)| format!("{n} with QnRtn={code}")).collect();
    println!(
        "{} uploads over {} connections in {:.2} s ({:.0} packets/s): {acknowledged} acknowledged, {} refused{}",
        sim.minutes,
        sim.connections,
        elapsed.as_secs_f64(),
        f64::from(sim.minutes) / elapsed.as_secs_f64().max(1e-9),
        refused.values().sum::<usize>(),
        if refusals.is_empty() { String::new() } else { format!(" ({})", refusals.join(", ")) }
    );
    Ok(if refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Sends frames one after another on one connection, reading each answer.
async fn play(address: String, frames: Vec<String>) -> Result<Vec<String>, String> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let stream = tokio::net::TcpStream::connect(&address).await.map_err(|e| format!("connect {address}: {e}"))?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut answers = Vec::with_capacity(frames.len());
    for frame in frames {
        write.write_all(frame.as_bytes()).await.map_err(|e| format!("send: {e}"))?;
        let mut line = String::new();
        let wait = std::time::Duration::from_secs(10);
        match tokio::time::timeout(wait, read.read_line(&mut line)).await {
            Ok(Ok(n)) if n > 0 => answers.push(line),
            Ok(Ok(_)) => return Err("the server closed the connection".into()),
            Ok(Err(e)) => return Err(format!("read: {e}")),
            Err(_) => return Err("no answer within 10 s".into()),
        }
    }
    Ok(answers)
}
