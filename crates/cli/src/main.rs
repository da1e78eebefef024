//! The `lt` command-line client.
fn main() {}
