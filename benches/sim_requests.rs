//! Request-level simulation throughput (simulated requests per second of wall time).

fn main() {}
