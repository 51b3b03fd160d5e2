//! Declares the `loom` cfg (set by the loom test step of `.ci/run`).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(loom)");
}
