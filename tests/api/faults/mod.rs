//! Faults real deployments meet, injected under load into the real server
//! process: PostgreSQL restarted or failed over, a database not yet up at
//! start, SQLite's disk filling up; and a read replica serving reports. Nothing acknowledged may be lost, and
//! no answer but a success or a 503/507 with `Retry-After` and a message.

mod cluster;
mod disk;
mod load;
mod postgres;
mod read_only;
mod replica;
