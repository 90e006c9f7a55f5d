//! `hesheng monitor evaluate`: the nightly evaluation of monitored
//! agreements, at once; `hesheng monitor roll-up`: older readings rolled
//! up into hourly rows, and closed hours packed (the server runs both every
//! hour by itself).

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

/// `hesheng monitor roll-up`: the readings older than `keep_days` days
/// rolled up into hourly rows and removed, then those of the hours closed
/// since packed, now.
pub(super) fn roll_up(args: &DatabaseArgs, keep_days: u32) -> Result<ExitCode, CliError> {
    let now = chrono::Utc::now().naive_utc();
    let before = crate::app::monitor_readings::roll_up_before(keep_days, now).map_err(|_| {
        CliError::Usage(format!(
            "--keep-days must be at least {} days",
            crate::db::monitor_readings::KEEP_DAYS_AT_LEAST
        ))
    })?;
    let mut conn = open(args)?;
    let done =
        crate::db::monitor_readings::roll_up(&mut conn, before, now).map_err(|e| CliError::Failed(format!("{e:#}")))?;
    println!(
        "{} readings before {} rolled up into {} hours and removed",
        done.readings,
        before.format("%Y-%m-%d %H:%M UTC"),
        done.hours
    );
    let closed = crate::app::monitor_readings::pack_before(now);
    let packed = crate::db::monitor_readings::pack_closed_hours(&mut conn, closed)
        .map_err(|e| CliError::Failed(format!("{e:#}")))?;
    println!(
        "{} readings of the hours closed before {} packed into {} rows",
        packed.readings,
        closed.format("%Y-%m-%d %H:%M UTC"),
        packed.packs
    );
    Ok(ExitCode::SUCCESS)
}

/// How a simulated device plays.
pub(super) struct Simulation {
    /// The listener, HOST:PORT.
    pub address: String,
    /// Over HTTP instead: the server's base URL (`http://HOST:PORT`), the
    /// monitor's id and its device token.
    pub http: Option<(String, i64, String)>,
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
    if let Some((base, id, token)) = &sim.http {
        return simulate_http(sim, base, *id, token);
    }
    let now = chrono::Utc::now().naive_utc() + chrono::TimeDelta::minutes(i64::from(sim.offset_minutes));
    let now = now - chrono::TimeDelta::seconds(i64::from(chrono::Timelike::second(&now)));
    let mut frames: Vec<Vec<String>> = vec![Vec::new(); sim.connections as usize];
    for m in 0..sim.minutes {
        let data_time = now - chrono::TimeDelta::minutes(i64::from(sim.minutes - m));
        let laeq = simulated_level(sim, m);
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

/// L_Aeq of simulated minute `m`: the level asked for, wobbling within ±1 dB.
fn simulated_level(sim: &Simulation, m: u32) -> f64 {
    let wobble = f64::from((m * 7919) % 21) / 10.0 - 1.0;
    ((sim.level_db + wobble) * 10.0).round() / 10.0
}

/// Most readings a batch carries (the API's own limit).
const HTTP_BATCH: u32 = 5_000;

/// Plays a noise monitor over HTTP: the same minutes as over HJ 212, as
/// JSON batches to `POST /api/v1/monitors/{id}/readings`, spread over
/// `connections` at once; prints what was stored and how fast.
fn simulate_http(sim: &Simulation, base: &str, id: i64, token: &str) -> Result<ExitCode, CliError> {
    let address = base
        .strip_prefix("http://")
        .map(|rest| rest.trim_end_matches('/').to_owned())
        .filter(|a| !a.is_empty() && !a.contains('/'))
        .ok_or_else(|| CliError::Usage("--http takes the server's base URL, http://HOST:PORT".into()))?;
    let now = chrono::Utc::now().naive_utc();
    let now = now - chrono::TimeDelta::seconds(i64::from(chrono::Timelike::second(&now)));
    let readings: Vec<serde_json::Value> = (0..sim.minutes)
        .map(|m| {
            let at = now - chrono::TimeDelta::minutes(i64::from(sim.minutes - m));
            let laeq = simulated_level(sim, m);
            serde_json::json!({
                "at": format!("{}Z", at.format("%Y-%m-%dT%H:%M:%S")), "interval_s": 60,
                "laeq_db": laeq, "lafmax_db": laeq + 8.0, "l90_db": laeq - 4.0,
            })
        })
        .collect();
    let per_connection = sim.minutes.div_ceil(sim.connections).clamp(1, HTTP_BATCH) as usize;
    let bodies: Vec<String> =
        readings.chunks(per_connection).map(|c| serde_json::json!({ "readings": c }).to_string()).collect();
    let batches = bodies.len();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("runtime: {e}")))?;
    let path = format!("/api/v1/monitors/{id}/readings");
    let started = std::time::Instant::now();
    let answers = runtime.block_on(async {
        let posts = bodies.into_iter().map(|body| post(&address, &path, token, body));
        futures_util::future::join_all(posts).await
    });
    let elapsed = started.elapsed();
    let (mut stored, mut already) = (0, 0);
    let mut refused: std::collections::BTreeMap<u16, usize> = std::collections::BTreeMap::new();
    for answer in answers {
        let (status, body) = answer.map_err(CliError::Failed)?;
        if status == 200 {
            let counts: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            stored += counts["stored"].as_u64().unwrap_or(0);
            already += counts["already_stored"].as_u64().unwrap_or(0);
        } else {
            *refused.entry(status).or_default() += 1;
        }
    }
    let refusals: Vec<String> = refused.iter().map(|(status, n)| format!("{n} with {status}")).collect();
    println!(
        "{} readings in {batches} batches in {:.2} s ({:.0} readings/s): {stored} stored, {already} already stored, {} batches refused{}",
        sim.minutes,
        elapsed.as_secs_f64(),
        f64::from(sim.minutes) / elapsed.as_secs_f64().max(1e-9),
        refused.values().sum::<usize>(),
        if refusals.is_empty() { String::new() } else { format!(" ({})", refusals.join(", ")) }
    );
    Ok(if refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// One HTTP/1.1 POST of a JSON body on its own connection: the status and
/// the body of the answer.
async fn post(address: &str, path: &str, token: &str, body: String) -> Result<(u16, String), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.map_err(|e| format!("connect {address}: {e}"))?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.map_err(|e| format!("send: {e}"))?;
    let mut answer = Vec::new();
    let wait = std::time::Duration::from_secs(60);
    match tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(format!("read: {e}")),
        Err(_) => return Err("no answer within 60 s".into()),
    }
    let answer = String::from_utf8_lossy(&answer);
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or("not an HTTP answer")?;
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((status, body))
}
