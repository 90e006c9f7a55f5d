//! The message files are compiled in by `rust_i18n::i18n!`, which cargo
//! does not know to watch; rebuild when they change.

fn main() {
    println!("cargo:rerun-if-changed=../../locales");
}
