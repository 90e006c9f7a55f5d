//! Sealing the stored phone and identity numbers under the current data
//! key: those in clear, and those under an older key.

use super::*;

/// The process's keyring; a missing key fails the query.
pub fn ring() -> QueryResult<std::sync::Arc<Keyring>> {
    data_key::installed().map_err(|e| DieselError::SerializationError(Box::new(e)))
}

/// `plain` sealed for `field`; a missing key fails the query.
pub fn seal(field: Field, plain: &str) -> QueryResult<String> {
    data_key::seal(field, plain).map_err(|e| DieselError::SerializationError(Box::new(e)))
}

/// How many values [`reseal`] sealed anew.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resealed {
    /// Telephone numbers.
    pub phones: usize,
    /// Identity numbers.
    pub id_numbers: usize,
    /// Portal access codes (sealed, and keyed for lookup, under the key).
    pub access_codes: usize,
    /// Stored case views dropped for being sealed under an older key.
    pub views: usize,
}

/// Why [`reseal`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum ResealError {
    /// A value does not open with the keyring.
    #[error("party {party}: {source}")]
    Open {
        /// The party.
        party: i64,
        /// Why.
        source: KeyError,
    },
    /// The database failed.
    #[error(transparent)]
    Query(#[from] DieselError),
}

/// A party's sealed columns: id, phone, identity number, access code and
/// the code's lookup key.
pub(super) type SealedRow = (i64, Option<String>, Option<String>, String, Option<String>);

/// Seals every telephone and identity number and portal access code not
/// yet sealed under the keyring's current key (values stored before
/// sealing, or under an older key), and keys each access code's lookup
/// hash under it, a thousand parties a transaction.
pub fn reseal(conn: &mut DbConn, ring: &Keyring) -> Result<Resealed, ResealError> {
    const BATCH: i64 = 1000;
    let mut done = Resealed::default();
    let mut after = 0i64;
    loop {
        let rows: Vec<SealedRow> = party::table
            .filter(party::id.gt(after))
            .order(party::id)
            .limit(BATCH)
            .select((party::id, party::phone, party::id_number, party::access_code, party::access_key))
            .load(conn)?;
        let Some(&(last, ..)) = rows.last() else {
            done.views = crate::db::case_views::forget_other_keys(conn, ring)?;
            return Ok(done);
        };
        after = last;
        let renew = |id: i64, field: Field, stored: &Option<String>| -> Result<Option<String>, ResealError> {
            match stored {
                Some(s) if !ring.is_current(s) => {
                    let plain = ring.open(field, s).map_err(|source| ResealError::Open { party: id, source })?;
                    Ok(Some(ring.seal(field, &plain)))
                }
                _ => Ok(None),
            }
        };
        let mut changes = Vec::new();
        for (id, phone, id_number, code, key) in &rows {
            let (phone, id_number) = (renew(*id, Field::Phone, phone)?, renew(*id, Field::IdNumber, id_number)?);
            // An anonymised party's code is `-<id>`: no portal, nothing to key.
            let code = if code.starts_with('-') {
                None
            } else {
                let plain =
                    ring.open(Field::AccessCode, code).map_err(|source| ResealError::Open { party: *id, source })?;
                let wanted = access_key(ring, &plain);
                (!ring.is_current(code) || key.as_deref() != Some(wanted.as_str()))
                    .then(|| (ring.seal(Field::AccessCode, &plain), wanted))
            };
            if phone.is_some() || id_number.is_some() || code.is_some() {
                changes.push((*id, phone, id_number, code));
            }
        }
        if changes.is_empty() {
            continue;
        }
        crate::db::write_transaction(conn, |conn| {
            for (id, phone, id_number, code) in &changes {
                if let Some(phone) = phone {
                    diesel::update(party::table.find(id)).set(party::phone.eq(phone)).execute(conn)?;
                    done.phones += 1;
                }
                if let Some(id_number) = id_number {
                    diesel::update(party::table.find(id)).set(party::id_number.eq(id_number)).execute(conn)?;
                    done.id_numbers += 1;
                }
                if let Some((code, key)) = code {
                    diesel::update(party::table.find(id))
                        .set((party::access_code.eq(code), party::access_key.eq(key)))
                        .execute(conn)?;
                    done.access_codes += 1;
                }
            }
            Ok::<_, DieselError>(())
        })?;
    }
}
