//! How a search reads an index of keys (see `crate::search::keys`): it
//! judges which of the search's keys is rarest, then reads that key's
//! holders newest first in growing rounds, checking each round against the
//! text and the list's filters until a page is full.

use diesel::QueryResult;

use crate::search::key_chars;

/// How many of a key's newest holders are read to judge how common it is.
pub const SAMPLE: i64 = 100;

/// Holders read in a search's first round (at least a page); each further
/// round reads four times as many, up to [`LAST_ROUND`].
const FIRST_ROUND: i64 = 64;

const LAST_ROUND: i64 = 4096;

/// Where a key's [`SAMPLE`]th holder was found, to judge how dense its
/// holders are.
#[derive(Debug, Clone, Copy)]
pub enum Sampled {
    /// Fewer than [`SAMPLE`] rows hold the key.
    Fewer,
    /// The id of its [`SAMPLE`]th newest holder: the more recent, the
    /// denser its holders.
    Newest(i64),
    /// The id of its [`SAMPLE`]th oldest holder: the older, the denser.
    Oldest(i64),
}

/// How common a key is, from its [`Sampled`] holder and, only when fewer
/// than [`SAMPLE`] rows hold it, their number: a number to compare, smaller
/// is rarer (and 0 when no row holds it). Keys of one search are all
/// sampled from the same end.
pub fn commonness(sampled: Sampled, count: impl FnOnce() -> QueryResult<i64>) -> QueryResult<i64> {
    match sampled {
        Sampled::Fewer => count(),
        Sampled::Newest(id) => Ok(SAMPLE + id),
        Sampled::Oldest(id) => Ok(SAMPLE + (i64::MAX / 2 - id)),
    }
}

/// The keys of a search judged by `commonness`, rarest first; empty when a
/// key no row holds shows that nothing can match. Runs of digits are judged
/// first (they are the likeliest to be rare), and judging stops at a key
/// fewer than [`SAMPLE`] rows hold, as reading it costs no more than judging
/// the others would. A search of one key is not judged.
pub fn rarest(keys: &[i64], mut commonness: impl FnMut(i64) -> QueryResult<i64>) -> QueryResult<Vec<(i64, i64)>> {
    if let [only] = keys {
        return Ok(vec![(*only, 0)]);
    }
    let mut keys = keys.to_vec();
    keys.sort_by_key(|k| std::cmp::Reverse(*k));
    let mut judged = Vec::with_capacity(keys.len());
    for key in keys {
        let n = commonness(key)?;
        if n == 0 {
            return Ok(Vec::new());
        }
        judged.push((key, n));
        if n < SAMPLE {
            break;
        }
    }
    judged.sort_by_key(|&(_, n)| n);
    Ok(judged)
}

/// Of keys judged by [`rarest`], the one whose holders a search also
/// requires of its candidates when even the rarest is held by [`SAMPLE`]
/// rows or more (an index intersects two keys far more cheaply than
/// candidates are checked against their texts): the next rarest that shares
/// no character with the rarest — neighbouring pairs of one word (安定, 定路)
/// are held by the same rows, and narrow nothing — else the next rarest.
pub fn companion(judged: &[(i64, i64)]) -> Option<i64> {
    let [(first, n), rest @ ..] = judged else { return None };
    if *n < SAMPLE || rest.is_empty() {
        return None;
    }
    let own = key_chars(*first);
    let apart = rest.iter().find(|(key, _)| key_chars(*key).iter().all(|c| !own.contains(c)));
    apart.or(rest.first()).map(|&(key, _)| key)
}

/// A page of what `keep` makes of the candidates `read` names, newest
/// first: `read(conn, below, round)` names at most `round` ids below
/// `below`, newest first; `keep(conn, ids, wanted)` returns at most `wanted`
/// of them that match, newest first. Rounds grow until the page is full or
/// `read` runs out.
pub fn in_rounds<C, T>(
    conn: &mut C,
    limit: i64,
    before: Option<i64>,
    mut read: impl FnMut(&mut C, i64, i64) -> QueryResult<Vec<i64>>,
    mut keep: impl FnMut(&mut C, Vec<i64>, i64) -> QueryResult<Vec<T>>,
) -> QueryResult<Vec<T>> {
    let mut found: Vec<T> = Vec::new();
    let mut below = before.unwrap_or(i64::MAX);
    let mut round = limit.max(FIRST_ROUND);
    let count = |found: &Vec<T>| i64::try_from(found.len()).unwrap_or(i64::MAX);
    while count(&found) < limit {
        let ids = read(conn, below, round)?;
        let Some(&last) = ids.last() else { break };
        let exhausted = i64::try_from(ids.len()).unwrap_or(i64::MAX) < round;
        found.extend(keep(conn, ids, limit - count(&found))?);
        if exhausted {
            break;
        }
        below = last;
        round = (round * 4).min(LAST_ROUND);
    }
    found.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rarest_key_is_read_and_a_key_nobody_holds_ends_the_search() {
        // Keys 1..=3; 3 (judged first) is common, 2 is held by 7 rows.
        let judged = rarest(&[1, 2, 3], |k| Ok([0, 50, 7, 900][usize::try_from(k).unwrap()])).unwrap();
        assert_eq!(judged, vec![(2, 7), (3, 900)], "judging stops at a rare key");
        let none = rarest(&[1, 2, 3], |k| Ok(if k == 2 { 0 } else { 500 })).unwrap();
        assert!(none.is_empty());
        assert_eq!(rarest(&[9], |_| panic!("one key is not judged")).unwrap(), vec![(9, 0)]);
        assert_eq!(companion(&[(2, 7), (3, 900)]), None, "a rare key is read alone");
        assert_eq!(companion(&[(2, 700), (3, 900), (1, 950)]), Some(3));
        // 定路 shares a character with 安定; 12 does not.
        let [an_ding, ding_lu] =
            [('安', '定'), ('定', '路')].map(|(a, b)| crate::search::Query::new(&format!("{a}{b}")).keys[0]);
        let twelve = crate::search::Query::new("路12号").keys.into_iter().max().expect("run");
        assert_eq!(companion(&[(an_ding, 5052), (ding_lu, 12914), (twelve, 25070)]), Some(twelve));
        assert_eq!(companion(&[(an_ding, 5052), (ding_lu, 12914)]), Some(ding_lu));
        assert_eq!(companion(&[(2, 700)]), None);
    }

    #[test]
    fn rounds_grow_until_a_page_is_full_and_stop_when_the_index_runs_out() {
        let holders: Vec<i64> = (1..=10_000).rev().collect();
        let mut rounds = Vec::new();
        // Every 100th holder matches.
        let page = in_rounds(
            &mut (),
            5,
            None,
            |_, below, round| {
                rounds.push(round);
                Ok(holders.iter().copied().filter(|&id| id < below).take(usize::try_from(round).unwrap()).collect())
            },
            |_, ids, wanted| {
                Ok(ids.into_iter().filter(|id| id % 100 == 0).take(usize::try_from(wanted).unwrap()).collect())
            },
        )
        .unwrap();
        assert_eq!(page, vec![10_000, 9_900, 9_800, 9_700, 9_600]);
        assert_eq!(rounds, vec![64, 256, 1024], "the third round fills the page");
        let mut reads = 0;
        let all: Vec<i64> = in_rounds(
            &mut (),
            50,
            Some(130),
            |_, below, round| {
                reads += 1;
                Ok(holders.iter().copied().filter(|&id| id < below).take(usize::try_from(round).unwrap()).collect())
            },
            |_, ids, _| Ok(ids),
        )
        .unwrap();
        assert_eq!(all.len(), 50);
        assert_eq!(all[0], 129);
        assert_eq!(reads, 1);
    }
}
