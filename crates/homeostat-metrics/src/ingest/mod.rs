pub mod prometheus;
pub mod promjson;
