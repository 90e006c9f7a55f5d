//! Anchors of the audit chain outside the database.
//!
//! The chain is keyed, so nobody holding only the database can rewrite or
//! renumber it; but they could cut events off its end and set the head
//! back. Anchors make that visible: every so often the server appends each
//! chain's head — its position and keyed hash — to a file the operator
//! keeps apart from the database and its backups, each line keyed too.
//! `hesheng audit verify` then finds every anchored event still in the
//! chain, unchanged. Events written after the last anchor are not covered.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{audit_event, audit_head};
use crate::data_key::{Keyring, Purpose};

/// One anchored head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The chain.
    pub chain: i64,
    /// Its last position when anchored.
    pub seq: i64,
    /// That event's keyed hash.
    pub mac: String,
}

fn line_message(chain: i64, seq: i64, mac: &str, at: &str) -> String {
    format!("hesheng audit anchor|{chain}|{seq}|{mac}|{at}")
}

/// Every chain's head with its event's keyed hash; chains whose last event
/// is not keyed (written before chains were keyed) are left out.
pub fn heads(conn: &mut DbConn) -> QueryResult<Vec<Anchor>> {
    let rows: Vec<(i64, i64, Option<String>)> = audit_head::table
        .inner_join(
            audit_event::table.on(audit_event::chain.eq(audit_head::chain).and(audit_event::seq.eq(audit_head::seq))),
        )
        .order(audit_head::chain)
        .select((audit_head::chain, audit_head::seq, audit_event::mac))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(chain, seq, mac)| mac.map(|mac| Anchor { chain, seq, mac })).collect())
}

/// The heads of `heads` that `path` does not hold yet.
pub fn unanchored(path: &Path, heads: Vec<Anchor>) -> Vec<Anchor> {
    let known = read(path).unwrap_or_default();
    heads.into_iter().filter(|h| !known.iter().any(|(a, _)| a == h)).collect()
}

/// Appends `fresh` heads to `path` (made when missing, readable by its
/// owner only), each line keyed; answers how many lines were written.
pub fn append(path: &Path, ring: &Keyring, fresh: &[Anchor], now: NaiveDateTime) -> std::io::Result<usize> {
    if fresh.is_empty() {
        return Ok(0);
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    let at = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut text = String::new();
    for h in fresh {
        let mac = ring.mac(Purpose::AuditChain, line_message(h.chain, h.seq, &h.mac, &at).as_bytes());
        text.push_str(&format!("{} {} {} {} {}\n", h.chain, h.seq, h.mac, at, mac));
    }
    file.write_all(text.as_bytes())?;
    file.sync_data()?;
    Ok(fresh.len())
}

/// The anchors in `path`, each with whether its line's own keyed hash holds
/// (`None` when the ring cannot tell: no line mac check was asked).
fn read(path: &Path) -> std::io::Result<Vec<(Anchor, String)>> {
    let file = std::fs::File::open(path)?;
    let mut out = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line?;
        let parts: Vec<&str> = line.split(' ').collect();
        if let [chain, seq, mac, at, line_mac] = parts[..]
            && let (Ok(chain), Ok(seq)) = (chain.parse(), seq.parse())
        {
            out.push((Anchor { chain, seq, mac: mac.to_owned() }, format!("{at} {line_mac}")));
        } else if !line.trim().is_empty() {
            out.push((Anchor { chain: -1, seq: -1, mac: line.clone() }, String::new()));
        }
    }
    Ok(out)
}

/// What the anchors in `path` say of the chain: every line must carry its
/// own valid keyed hash, and every anchored event must still be in the
/// chain with the keyed hash it was anchored with. Answers how many
/// anchors were checked, or the first that fails. A missing file checks
/// nothing.
pub fn check(conn: &mut DbConn, path: &Path, ring: &Keyring) -> QueryResult<Result<usize, String>> {
    let anchors = match read(path) {
        Ok(anchors) => anchors,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ok(0)),
        Err(e) => return Ok(Err(format!("cannot read the anchors in {}: {e}", path.display()))),
    };
    for (anchor, rest) in &anchors {
        let Some((at, line_mac)) = rest.split_once(' ') else {
            return Ok(Err(format!("{}: a line is not an anchor: {:?}", path.display(), anchor.mac)));
        };
        let message = line_message(anchor.chain, anchor.seq, &anchor.mac, at);
        if !ring.verify_mac(Purpose::AuditChain, message.as_bytes(), line_mac) {
            return Ok(Err(format!(
                "{}: the anchor of event {}/{} ({at}) was not written with the data key: the file was edited",
                path.display(),
                anchor.chain,
                anchor.seq
            )));
        }
        let stored: Option<Option<String>> = audit_event::table
            .filter(audit_event::chain.eq(anchor.chain).and(audit_event::seq.eq(anchor.seq)))
            .select(audit_event::mac)
            .first(conn)
            .optional()?;
        match stored {
            None => {
                return Ok(Err(format!(
                    "event {}/{} was anchored on {at} and is gone: the chain was cut short",
                    anchor.chain, anchor.seq
                )));
            }
            Some(mac) if mac.as_deref() != Some(anchor.mac.as_str()) => {
                return Ok(Err(format!(
                    "event {}/{} is not the event anchored on {at}: the chain was rewritten",
                    anchor.chain, anchor.seq
                )));
            }
            Some(_) => {}
        }
    }
    Ok(Ok(anchors.len()))
}
