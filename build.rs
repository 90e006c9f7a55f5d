//! The message files are compiled in by `rust_i18n::i18n!`, which cargo
//! does not know to watch, and the migrations are embedded by
//! `embed_migrations!`, which does not see new ones; rebuild when they change.

fn main() {
    println!("cargo:rerun-if-changed=locales");
    println!("cargo:rerun-if-changed=migrations");
}
