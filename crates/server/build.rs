// sqlx's `migrate!` embeds the migrations when the crate is built: build again when one is
// added, not only when an existing one changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
