#![allow(clippy::unwrap_used)] // a panic in a test is a failed test
//! The NAB port against the official scorer's output on the shared nab-dev
//! corpus: per-row rewards and the normalised scores of two published
//! detectors, and `resonance` against ARTime, the design it follows. Skipped, with a message, when the data is absent.

use std::path::PathBuf;

use homeostat_predict::detect::{Detector, Resonance};
use homeostat_predict::nab::{
    Corpus, Profile, Threshold, probationary_length, read_column, score_corpus, sweep_file,
};

fn nab_dev() -> Option<PathBuf> {
    let root = std::env::var_os("HOMEOSTAT_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let dir = root.join("nab-dev");
    if dir.join("labels/combined_windows.json").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: NAB reference data not found at {} (set HOMEOSTAT_DATA)",
            dir.display()
        );
        None
    }
}

fn corpus(dir: &std::path::Path) -> Corpus {
    Corpus::load(&dir.join("data"), &dir.join("labels/combined_windows.json")).unwrap()
}

/// The thresholds NAB published for a detector, by profile.
fn thresholds(dir: &std::path::Path, detector: &str) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(dir.join("thresholds.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    Profile::nab_profiles()
        .iter()
        .map(|p| {
            let t = json[detector][&p.name]["threshold"].as_f64().unwrap();
            (p.name.clone(), t)
        })
        .collect()
}

fn official(dir: &std::path::Path, detector: &str, profile: &str) -> f64 {
    let text =
        std::fs::read_to_string(dir.join("reference-results/official_scores_dev_subset.json"))
            .unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json[detector][profile].as_f64().unwrap()
}

#[test]
fn rewards_match_the_official_rows() {
    let Some(dir) = nab_dev() else { return };
    let corpus = corpus(&dir);
    let root = dir.join("reference-results");
    for detector in ["numenta", "windowedGaussian"] {
        for profile in Profile::nab_profiles() {
            for file in &corpus.files {
                let path = file.results_path(&root, detector);
                let expected = read_column(&path, &format!("S(t)_{}", profile.name)).unwrap();
                let zeros = vec![0.0; file.timestamps.len()];
                let points = sweep_file(&zeros, &file.windows, &profile.costs, 0);
                assert_eq!(points.len(), expected.len(), "{}", file.name);
                for (i, (p, e)) in points.iter().zip(&expected).enumerate() {
                    assert!(
                        (p.reward - e).abs() < 1e-9,
                        "{} {} row {i}: {} vs {e}",
                        file.name,
                        profile.name,
                        p.reward
                    );
                }
            }
        }
    }
}

#[test]
fn normalised_scores_match_the_official_ones() {
    let Some(dir) = nab_dev() else { return };
    let corpus = corpus(&dir);
    assert_eq!(corpus.files.len(), 31);
    assert_eq!(corpus.window_count(), 57);
    let root = dir.join("reference-results");
    for detector in ["numenta", "windowedGaussian"] {
        let scores = corpus.read_results(&root, detector).unwrap();
        let files: Vec<_> = corpus
            .files
            .iter()
            .zip(scores)
            .map(|(f, s)| (f.windows.clone(), s))
            .collect();
        for (profile, (name, t)) in Profile::nab_profiles()
            .iter()
            .zip(thresholds(&dir, detector))
        {
            assert_eq!(profile.name, name);
            let got =
                score_corpus(&files, corpus.window_count(), profile, Threshold::Fixed(t)).unwrap();
            let want = official(&dir, detector, &profile.name);
            eprintln!(
                "{detector} {name}: {:.4} (official {want:.4})",
                got.normalised
            );
            assert!(
                (got.normalised - want).abs() < 0.05,
                "{detector} {name}: {} vs official {want}",
                got.normalised
            );
        }
    }
}

/// `resonance` follows ARTime's design; handed what NAB hands ARTime (each
/// file's minimum, maximum and probationary length, made even as ARTime
/// does) and ARTime's sign of Haar details, it reproduces ARTime's official
/// scores at ARTime's thresholds to four decimals.
#[test]
fn resonance_given_artimes_inputs_reproduces_its_official_scores() {
    let Some(dir) = nab_dev() else { return };
    let corpus = corpus(&dir);
    let scores = corpus
        .files
        .iter()
        .map(|f| {
            let finite = f.values.iter().copied().filter(|x| x.is_finite());
            let low = finite.clone().fold(f64::INFINITY, f64::min);
            let high = finite.fold(f64::NEG_INFINITY, f64::max);
            let probation = probationary_length(f.values.len());
            let mut d = Resonance::params()
                .range(Some((low, high)))
                .widen(false)
                .warmup(probation - probation % 2)
                .rising_details(true)
                .early_warmup(None)
                .build()?;
            Ok(d.score_all(&f.timestamps, &f.values))
        })
        .collect::<homeostat_predict::Result<Vec<_>>>()
        .unwrap();
    let thresholds = thresholds(&dir, "ARTime");
    let got = corpus
        .score(&scores, |p| {
            let (_, t) = thresholds.iter().find(|(n, _)| *n == p.name).unwrap();
            Threshold::Fixed(*t)
        })
        .unwrap();
    for g in got {
        let want = official(&dir, "ARTime", &g.profile);
        eprintln!(
            "ARTime {}: {:.4} (official {want:.4})",
            g.profile, g.normalised
        );
        assert!(
            (g.normalised - want).abs() < 5e-5,
            "{}: {} vs official {want}",
            g.profile,
            g.normalised
        );
    }
}
