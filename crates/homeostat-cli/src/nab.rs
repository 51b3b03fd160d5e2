//! `homeostat nab`: run a streaming detector over a Numenta Anomaly
//! Benchmark corpus, write NAB-format results and print the three
//! normalised scores; or score existing results files.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use homeostat::predict::detect::{NAB_DETECTOR, detector_by_name};
use homeostat::predict::nab::{Corpus, Profile, ProfileScore, Threshold};

/// Options of `homeostat nab`.
#[derive(Debug, Args)]
pub(crate) struct NabArgs {
    /// The corpus's data directory (`<category>/<file>.csv`); defaults to
    /// `$HOMEOSTAT_DATA/nab-dev/data`.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Label windows (NAB's `combined_windows.json`); defaults to
    /// `<data>/../labels/combined_windows.json`.
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Detector to run, or the results' detector name with --score-only.
    #[arg(long, default_value = NAB_DETECTOR)]
    detector: String,
    /// Write results as `<out>/<detector>/<category>/<detector>_<file>.csv`.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Score the results tree in this directory instead of running a detector.
    #[arg(long, value_name = "DIR")]
    score_only: Option<PathBuf>,
    /// Use NAB's thresholds file (per detector and profile) instead of
    /// optimising the threshold over the corpus.
    #[arg(long)]
    thresholds: Option<PathBuf>,
    /// Print `{"standard": …, "reward_low_FP_rate": …, "reward_low_FN_rate": …}`.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &NabArgs) -> anyhow::Result<()> {
    let data = match &args.data {
        Some(d) => d.clone(),
        None => match std::env::var_os("HOMEOSTAT_DATA") {
            Some(root) => PathBuf::from(root).join("nab-dev/data"),
            None => bail!("no corpus: pass --data DIR or set HOMEOSTAT_DATA"),
        },
    };
    if !data.is_dir() {
        bail!("NAB data directory {} not found", data.display());
    }
    let labels = args.labels.clone().unwrap_or_else(|| {
        data.parent()
            .unwrap_or(Path::new("."))
            .join("labels/combined_windows.json")
    });
    let corpus = Corpus::load(&data, &labels).with_context(|| {
        format!(
            "cannot load the corpus {} / {}",
            data.display(),
            labels.display()
        )
    })?;
    let scores = match &args.score_only {
        Some(root) => corpus.read_results(root, &args.detector)?,
        None => {
            // Check the name once, with its error, before the corpus run.
            detector_by_name(&args.detector)?;
            corpus.run_detector(|| detector_by_name(&args.detector))?
        }
    };
    if let Some(out) = &args.out {
        corpus.write_results(out, &args.detector, &scores)?;
    }
    let fixed = match &args.thresholds {
        Some(path) => Some(read_thresholds(path, &args.detector)?),
        None => None,
    };
    let results = corpus.score(&scores, |p: &Profile| match &fixed {
        Some(map) => map
            .iter()
            .find(|(name, _)| *name == p.name)
            .map_or(Threshold::Optimise, |(_, t)| Threshold::Fixed(*t)),
        None => Threshold::Optimise,
    })?;
    print_results(args, &corpus, &results)
}

fn print_results(args: &NabArgs, corpus: &Corpus, results: &[ProfileScore]) -> anyhow::Result<()> {
    if args.json {
        let map: serde_json::Map<String, serde_json::Value> = results
            .iter()
            .map(|r| (r.profile.clone(), serde_json::json!(r.normalised)))
            .collect();
        say!("{}", serde_json::Value::Object(map));
        return Ok(());
    }
    say!(
        "{} on {} files, {} windows",
        args.detector,
        corpus.files.len(),
        corpus.window_count()
    );
    say!(
        "{:<20} {:>7} {:>10} {:>6} {:>6} {:>8}",
        "profile",
        "score",
        "threshold",
        "TP",
        "FP",
        "windows"
    );
    for r in results {
        say!(
            "{:<20} {:>7.2} {:>10.4} {:>6} {:>6} {:>4}/{:<3}",
            r.profile,
            r.normalised,
            r.threshold,
            r.tp,
            r.fp,
            r.windows_found,
            r.windows_scored
        );
    }
    Ok(())
}

/// The per-profile thresholds of `detector` in NAB's `thresholds.json`.
fn read_thresholds(path: &Path, detector: &str) -> anyhow::Result<Vec<(String, f64)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("malformed {}", path.display()))?;
    let Some(entry) = json.get(detector) else {
        bail!("{} has no thresholds for {detector:?}", path.display());
    };
    Profile::nab_profiles()
        .iter()
        .map(|p| {
            entry
                .get(&p.name)
                .and_then(|v| v.get("threshold"))
                .and_then(serde_json::Value::as_f64)
                .map(|t| (p.name.clone(), t))
                .with_context(|| {
                    format!("{}: no {} threshold for {detector}", path.display(), p.name)
                })
        })
        .collect()
}
