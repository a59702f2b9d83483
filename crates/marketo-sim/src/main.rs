//! The simulator's command line (being written).

fn main() {}
