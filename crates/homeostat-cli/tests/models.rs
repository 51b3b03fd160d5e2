//! `homeostat train | predict | evaluate | fit-eval` as a user runs them.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::path::Path;
use std::process::{Command, Output};

fn homeostat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_homeostat"))
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn simulate(dir: &Path, seed: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let (csv, labels) = (
        dir.join(format!("trace{seed}.csv")),
        dir.join(format!("labels{seed}.json")),
    );
    let out = homeostat()
        .args([
            "simulate",
            "--scenario",
            "mixed-faults",
            "--duration",
            "8h",
            "--seed",
            seed,
            "--out",
        ])
        .arg(&csv)
        .arg("--labels")
        .arg(&labels)
        .output()
        .unwrap();
    ok(&out);
    (csv, labels)
}

#[test]
fn train_predict_evaluate_on_a_simulated_trace() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, labels) = simulate(dir.path(), "3");
    let model = dir.path().join("model.json");
    let text = ok(&homeostat()
        .args(["train", "--trace"])
        .arg(&csv)
        .arg("--labels")
        .arg(&labels)
        .args([
            "--model",
            "forest",
            "--trees",
            "20",
            "--balanced",
            "--horizon",
            "10m",
            "--out",
        ])
        .arg(&model)
        .output()
        .unwrap());
    assert!(text.contains("trained Forest"), "{text}");

    let probs = dir.path().join("probs.csv");
    ok(&homeostat()
        .args(["predict", "--model"])
        .arg(&model)
        .arg("--trace")
        .arg(&csv)
        .arg("--out")
        .arg(&probs)
        .output()
        .unwrap());
    let written = std::fs::read_to_string(&probs).unwrap();
    let mut lines = written.lines();
    assert_eq!(lines.next(), Some("timestamp,probability,alarm"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 8 * 60);
    for row in &rows {
        let p: f64 = row.split(',').nth(1).unwrap().parse().unwrap();
        assert!((0.0..=1.0).contains(&p));
    }

    let json = ok(&homeostat()
        .args(["evaluate", "--json", "--model"])
        .arg(&model)
        .arg("--trace")
        .arg(&csv)
        .arg("--labels")
        .arg(&labels)
        .output()
        .unwrap());
    let e: serde_json::Value = serde_json::from_str(&json).unwrap();
    for key in [
        "roc_auc",
        "pr_auc",
        "precision",
        "recall",
        "f1",
        "false_alarms_per_day",
    ] {
        let v = e[key].as_f64().unwrap();
        assert!(v.is_finite() && v >= 0.0, "{key} = {v}");
    }
    let table = ok(&homeostat()
        .args(["evaluate", "--model"])
        .arg(&model)
        .arg("--trace")
        .arg(&csv)
        .arg("--labels")
        .arg(&labels)
        .output()
        .unwrap());
    assert!(
        table.contains("ROC-AUC") && table.contains("event recall"),
        "{table}"
    );

    // A damaged model file is refused with a clear message.
    let damaged = dir.path().join("damaged.json");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    let out = homeostat()
        .args(["predict", "--model"])
        .arg(&damaged)
        .arg("--trace")
        .arg(&csv)
        .arg("--out")
        .arg(&probs)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot load model"));

    // Gradient boosting trains and predicts through the same commands.
    let gbdt = dir.path().join("gbdt.json");
    let text = ok(&homeostat()
        .args(["train", "--trace"])
        .arg(&csv)
        .arg("--labels")
        .arg(&labels)
        .args([
            "--model",
            "gbdt",
            "--trees",
            "30",
            "--learning-rate",
            "0.2",
            "--out",
        ])
        .arg(&gbdt)
        .output()
        .unwrap());
    assert!(text.contains("trained Gbdt"), "{text}");
    assert!(std::fs::read_to_string(&gbdt).unwrap().contains("gbdt"));
    ok(&homeostat()
        .args(["predict", "--model"])
        .arg(&gbdt)
        .arg("--trace")
        .arg(&csv)
        .arg("--out")
        .arg(&probs)
        .output()
        .unwrap());
    assert_eq!(
        std::fs::read_to_string(&probs).unwrap().lines().count(),
        8 * 60 + 1
    );
}

#[test]
fn fit_eval_prints_one_json_object() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, rows: std::ops::Range<usize>| {
        let path = dir.path().join(name);
        let mut text = String::from("a,b,label\n");
        for i in rows {
            let a = (i * 37 % 101) as f64 / 101.0;
            let b = (i * 11 % 7) as f64;
            let missing = if i % 13 == 0 {
                String::new()
            } else {
                b.to_string()
            };
            text.push_str(&format!("{a},{missing},{}\n", u8::from(a > 0.6)));
        }
        std::fs::write(&path, text).unwrap();
        path
    };
    let (train, test) = (write("train.csv", 0..400), write("test.csv", 400..600));
    for model in ["forest", "logistic", "gbdt"] {
        let out = homeostat()
            .args([
                "fit-eval",
                "--target",
                "label",
                "--trees",
                "20",
                "--json",
                "--model",
                model,
                "--learning-rate",
                "0.3",
                "--train",
            ])
            .arg(&train)
            .arg("--test")
            .arg(&test)
            .output()
            .unwrap();
        if model == "logistic" {
            // Logistic regression cannot take the missing cells: a clear error.
            assert!(!out.status.success());
            assert!(String::from_utf8_lossy(&out.stderr).contains("non-finite"));
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
        assert_eq!(v["n_train"], 400);
        assert_eq!(v["n_test"], 200);
        assert!(v["accuracy"].as_f64().unwrap() > 0.95, "{v}");
        assert!(v["roc_auc"].as_f64().unwrap() > 0.95, "{v}");
        assert!(v["fit_ms"].as_f64().unwrap() >= 0.0 && v["predict_ms"].as_f64().unwrap() >= 0.0);
    }
    let out = homeostat()
        .args(["fit-eval", "--target", "nope", "--train"])
        .arg(&train)
        .arg("--test")
        .arg(&test)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column"));
}

/// A complete CSV (no missing cell): `a`, `b`, a 0/1 `label` and a numeric `demand`.
fn write_complete(dir: &Path, name: &str, rows: std::ops::Range<usize>) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut text = String::from("a,b,label,demand\n");
    for i in rows {
        let a = (i * 37 % 101) as f64 / 101.0;
        let b = (i * 11 % 7) as f64;
        let demand = 2.0 + 3.0 * a - 0.5 * b + ((i * 7919) % 13) as f64 / 100.0;
        let label = u8::from((a - 0.5).powi(2) + (b - 3.0).powi(2) / 36.0 < 0.12);
        text.push_str(&format!("{a},{b},{label},{demand}\n"));
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn fit_eval_json(train: &Path, test: &Path, target: &str, extra: &[&str]) -> serde_json::Value {
    let out = homeostat()
        .args(["fit-eval", "--json", "--target", target, "--train"])
        .arg(train)
        .arg("--test")
        .arg(test)
        .args(extra)
        .output()
        .unwrap();
    serde_json::from_str(&ok(&out)).unwrap()
}

#[test]
fn fit_eval_svm_tree_and_ridge() {
    let dir = tempfile::tempdir().unwrap();
    let train = write_complete(dir.path(), "train.csv", 0..400);
    let test = write_complete(dir.path(), "test.csv", 400..600);
    let drop = |path: &Path, column: usize, name: &str| {
        let text: String = std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| {
                let mut f: Vec<&str> = l.split(',').collect();
                f.remove(column);
                f.join(",") + "\n"
            })
            .collect();
        let out = dir.path().join(name);
        std::fs::write(&out, text).unwrap();
        out
    };
    // Classification drops the numeric target, regression the 0/1 one.
    let (ctrain, ctest) = (drop(&train, 3, "ctrain.csv"), drop(&test, 3, "ctest.csv"));
    let (rtrain, rtest) = (drop(&train, 2, "rtrain.csv"), drop(&test, 2, "rtest.csv"));

    // The label is an ellipse: the RBF kernel finds it, a line cannot.
    let rbf = fit_eval_json(&ctrain, &ctest, "label", &["--model", "svm", "--c", "10"]);
    assert_eq!(rbf["model"], "svm");
    assert!(rbf["roc_auc"].as_f64().unwrap() > 0.95, "{rbf}");
    assert!(rbf["accuracy"].as_f64().unwrap() > 0.9, "{rbf}");
    let linear = fit_eval_json(
        &ctrain,
        &ctest,
        "label",
        &["--model", "svm", "--kernel", "linear"],
    );
    assert!(
        linear["roc_auc"].as_f64().unwrap() < rbf["roc_auc"].as_f64().unwrap(),
        "{linear}"
    );
    let gamma = fit_eval_json(
        &ctrain,
        &ctest,
        "label",
        &["--model", "svm", "--gamma", "2", "--c", "10"],
    );
    assert_ne!(gamma["roc_auc"], rbf["roc_auc"]);

    let tree = fit_eval_json(
        &ctrain,
        &ctest,
        "label",
        &["--model", "tree", "--max-depth", "6"],
    );
    assert_eq!(tree["model"], "tree");
    assert!(tree["accuracy"].as_f64().unwrap() > 0.85, "{tree}");

    let ridge = fit_eval_json(
        &rtrain,
        &rtest,
        "demand",
        &["--model", "ridge", "--alpha", "0.01"],
    );
    assert_eq!(ridge["model"], "ridge");
    assert!(ridge["r2"].as_f64().unwrap() > 0.99, "{ridge}");
    assert!(ridge["rmse"].as_f64().unwrap() < 0.1, "{ridge}");
    assert!(ridge["fit_ms"].as_f64().unwrap() >= 0.0);

    // Bad input: a negative C, a non-0/1 target for a classifier, ridge in train.
    let out = homeostat()
        .args([
            "fit-eval", "--target", "label", "--model", "svm", "--c", "0", "--train",
        ])
        .arg(&ctrain)
        .arg("--test")
        .arg(&ctest)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid c"));
    let out = homeostat()
        .args([
            "fit-eval", "--target", "demand", "--model", "svm", "--train",
        ])
        .arg(&rtrain)
        .arg("--test")
        .arg(&rtest)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not 0/1"));
}

#[test]
fn train_an_svm_on_a_simulated_trace_and_predict() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, labels) = simulate(dir.path(), "5");
    let model = dir.path().join("svm.json");
    let text = ok(&homeostat()
        .args(["train", "--trace"])
        .arg(&csv)
        .arg("--labels")
        .arg(&labels)
        .args(["--model", "svm", "--balanced", "--out"])
        .arg(&model)
        .output()
        .unwrap());
    assert!(text.contains("trained Svm"), "{text}");
    let saved = std::fs::read_to_string(&model).unwrap();
    assert!(saved.contains("support_vectors"));
    let probs = dir.path().join("probs.csv");
    ok(&homeostat()
        .args(["predict", "--model"])
        .arg(&model)
        .arg("--trace")
        .arg(&csv)
        .arg("--out")
        .arg(&probs)
        .output()
        .unwrap());
    let rows = std::fs::read_to_string(&probs).unwrap();
    assert!(rows.lines().skip(1).all(|l| {
        let p: f64 = l.split(',').nth(1).unwrap().parse().unwrap();
        (0.0..=1.0).contains(&p)
    }));
    let out = homeostat()
        .args(["train", "--trace"])
        .arg(&csv)
        .arg("--labels")
        .arg(&labels)
        .args(["--model", "tree", "--out"])
        .arg(dir.path().join("tree.json"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fit-eval only"));
}

#[test]
fn fit_eval_backtest_prints_one_row_per_fold() {
    let dir = tempfile::tempdir().unwrap();
    let train = write_complete(dir.path(), "train.csv", 0..500);
    let run = |extra: &[&str]| {
        homeostat()
            .args([
                "fit-eval", "--target", "label", "--model", "forest", "--trees", "10",
            ])
            .args(["--train"])
            .arg(&train)
            .args(extra)
            .output()
            .unwrap()
    };
    let v: serde_json::Value = serde_json::from_str(&ok(&run(&[
        "--backtest",
        "4",
        "--retrain-every",
        "2",
        "--json",
    ])))
    .unwrap();
    let folds = v.as_array().unwrap();
    assert_eq!(folds.len(), 4);
    let retrained: Vec<bool> = folds
        .iter()
        .map(|f| f["retrained"].as_bool().unwrap())
        .collect();
    assert_eq!(retrained, [true, false, true, false]);
    // An expanding window: fold k trains on the k + 1 periods before it.
    assert_eq!(folds[0]["train_rows"], 100);
    assert_eq!(folds[1]["train_rows"], 100);
    assert_eq!(folds[2]["train_rows"], 300);
    assert!(folds.iter().all(|f| f["test_rows"] == 100));
    assert!(
        folds.iter().all(|f| f["roc_auc"].as_f64().unwrap() > 0.9),
        "{v}"
    );
    // The table: a header and one line per fold.
    let table = ok(&run(&["--backtest", "3"]));
    assert_eq!(table.lines().count(), 4, "{table}");
    assert!(table.lines().next().unwrap().contains("ROC-AUC"));
    // Bad input: 0 folds, more folds than rows, --retrain-every without --backtest.
    let out = run(&["--backtest", "0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("n_folds"));
    let out = run(&["--backtest", "1000"]);
    assert!(!out.status.success());
    let out = run(&["--retrain-every", "2"]);
    assert!(!out.status.success());
}
