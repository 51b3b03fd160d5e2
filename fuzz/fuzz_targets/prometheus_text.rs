//! Any bytes given to the Prometheus text / OpenMetrics parser, and to the
//! scrape collector built on it, give samples or a typed error: never a
//! panic, an overflow or a hang. The first byte picks the format.
#![no_main]

use homeostat_core::Timestamp;
use homeostat_metrics::ingest::prometheus::{Format, Parser, ScrapeCollector};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let format = if selector & 1 == 0 {
        Format::PrometheusText
    } else {
        Format::OpenMetrics
    };
    let mut parser = Parser::new(text, format);
    for result in parser.by_ref() {
        if result.is_err() {
            break;
        }
    }
    let _ = parser.metadata();

    let mut collector = ScrapeCollector::new(format);
    if collector
        .add_scrape(text, Timestamp::from_secs(1_700_000_000))
        .is_ok()
    {
        let _ = collector.into_series();
    }
});
