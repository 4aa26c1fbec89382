// The migrations are embedded by `sqlx::migrate!`, which cannot tell cargo
// about the folders it reads: without this a new migration file would not
// rebuild the crate.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
