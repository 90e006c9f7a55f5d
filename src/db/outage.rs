//! Failures that belong to the installation rather than to the request: the
//! PostgreSQL server out of reach (restarted, failing over), or storage
//! that takes no more writes (a full disk, a read-only file). A request
//! that meets one is refused whole — its transaction rolled back, nothing
//! half-written — and answered 503 or 507, never 500; the same request
//! succeeds once the database is back.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Which installation-wide failure a database error shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// The PostgreSQL server cannot be reached, is shutting down or
    /// starting up, or the connection reached a standby during a failover.
    Unreachable,
    /// The disk holding the database is full.
    StorageFull,
    /// The database file or its directory cannot be written.
    ReadOnly,
}

impl Outage {
    /// The outage `error` shows, if any.
    pub fn of(error: &DieselError) -> Option<Outage> {
        // A connection lost inside a transaction leaves diesel's
        // transaction manager broken, and the connection is dropped.
        if matches!(error, DieselError::BrokenTransactionManager) {
            return Some(Outage::Unreachable);
        }
        let DieselError::DatabaseError(kind, info) = error else {
            return None;
        };
        match kind {
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                return Some(Outage::Unreachable);
            }
            // A standby refuses writes; with a multi-host URL the next
            // connection reaches the new primary.
            DatabaseErrorKind::ReadOnlyTransaction => return Some(Outage::Unreachable),
            _ => {}
        }
        Outage::of_message(info.message())
    }

    /// The outage a database's message names: SQLite's and PostgreSQL's own
    /// wording, which is all either gives for these failures.
    fn of_message(message: &str) -> Option<Outage> {
        const UNREACHABLE: [&str; 6] = [
            "terminating connection due to administrator command",
            "the database system is shutting down",
            "the database system is starting up",
            "the database system is in recovery mode",
            "server closed the connection unexpectedly",
            "no connection to the server",
        ];
        const FULL: [&str; 3] = ["database or disk is full", "No space left on device", "could not extend file"];
        const READ_ONLY: [&str; 2] = ["attempt to write a readonly database", "Read-only file system"];
        if UNREACHABLE.iter().any(|m| message.contains(m)) {
            Some(Outage::Unreachable)
        } else if FULL.iter().any(|m| message.contains(m)) {
            Some(Outage::StorageFull)
        } else if READ_ONLY.iter().any(|m| message.contains(m)) {
            Some(Outage::ReadOnly)
        } else {
            None
        }
    }

    /// The message key telling the reader what happened.
    pub fn message_key(self) -> &'static str {
        match self {
            Outage::Unreachable => "error.database_unreachable",
            Outage::StorageFull => "error.storage_full",
            Outage::ReadOnly => "error.storage_read_only",
        }
    }
}

impl std::fmt::Display for Outage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Outage::Unreachable => "the database server cannot be reached",
            Outage::StorageFull => "the database's disk is full",
            Outage::ReadOnly => "the database cannot be written",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn a_closed_connection_is_an_unreachable_server() {
        let e = error(DatabaseErrorKind::ClosedConnection, "server closed the connection");
        assert_eq!(Outage::of(&e), Some(Outage::Unreachable));
    }

    #[test]
    fn sqlite_full_and_read_only_are_told_apart() {
        let full = error(DatabaseErrorKind::Unknown, "database or disk is full");
        let read_only = error(DatabaseErrorKind::Unknown, "attempt to write a readonly database");
        assert_eq!(Outage::of(&full), Some(Outage::StorageFull));
        assert_eq!(Outage::of(&read_only), Some(Outage::ReadOnly));
    }

    #[test]
    fn an_ordinary_failure_is_no_outage() {
        assert_eq!(Outage::of(&error(DatabaseErrorKind::UniqueViolation, "duplicate key")), None);
        assert_eq!(Outage::of(&DieselError::NotFound), None);
    }
}
