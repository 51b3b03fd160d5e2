//! `homeostat train | predict | evaluate | fit-eval`: fault models on
//! metrics traces, and any binary classifier on a tabular CSV.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use homeostat::core::{Duration, FaultLabels, Frame};
use homeostat::metrics::ingest::csv as csv_ingest;
use homeostat::metrics::{Feature, InsideFaults, Supervised, WindowFeatures};
use homeostat::predict::decision_tree::{DecisionTreeBaseline, ValidDecisionTreeParams};
use homeostat::predict::eval::{
    Backtest, Confusion, evaluate_events, pr_auc, roc_auc, rolling_backtest,
};
use homeostat::predict::persist::{load_file, save_file};
use homeostat::predict::ridge::RidgeRegression;
use homeostat::predict::{
    AlarmSpec, ClassWeight, FaultPredictor, FeaturePipeline, GradientBoosting, Logistic,
    MaxFeatures, ModelSpec, ParamGuard, ProbabilisticClassifier, RandomForest, Svm, SvmKernel,
    train_predictor,
};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::Serialize;

/// The model subcommands, flattened into the top-level commands.
#[derive(Debug, Subcommand)]
pub(crate) enum ModelCommand {
    /// Train a fault model on a metrics trace and its fault labels; save it with its pipeline.
    Train(TrainArgs),
    /// Fault probabilities and alarms of a saved model on a metrics trace.
    Predict(PredictArgs),
    /// Score a saved model on a labelled metrics trace.
    Evaluate(EvaluateArgs),
    /// Fit and score a binary classifier on any tabular CSV (one JSON object with --json).
    FitEval(FitEvalArgs),
}

/// Models the commands can train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
enum ModelKind {
    /// Histogram random forest.
    Forest,
    /// Logistic regression (linfa-logistic).
    Logistic,
    /// Gradient-boosted trees (histogram splits, logistic loss, early stopping).
    Gbdt,
    /// Support vector machine (linfa-svm) with Platt-scaled probabilities.
    Svm,
    /// linfa-trees' decision tree, hard 0/1 probabilities (fit-eval only).
    Tree,
    /// Ridge regression on a numeric target (fit-eval only: prints R² and RMSE).
    Ridge,
}

/// Kernels of `--model svm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KernelKind {
    /// `a · b`.
    Linear,
    /// `exp(-gamma ‖a − b‖²)` on standardised features.
    Rbf,
}

/// Hyperparameters shared by `train` and `fit-eval`.
#[derive(Debug, Args)]
struct ModelArgs {
    /// The model to fit.
    #[arg(long, value_enum, default_value_t = ModelKind::Forest)]
    model: ModelKind,
    /// Trees of a forest; most boosting rounds of gbdt.
    #[arg(long, default_value_t = 100)]
    trees: usize,
    /// Shrinkage of each gbdt tree, in (0, 1].
    #[arg(long, default_value_t = 0.1)]
    learning_rate: f64,
    /// Deepest split level of a tree.
    #[arg(long, default_value_t = 10)]
    max_depth: usize,
    /// Features drawn per split: sqrt, log2, all, a fraction (0.3) or a count (5).
    #[arg(long, default_value = "sqrt")]
    max_features: String,
    /// Weigh the classes so rare faults count as much as the healthy rows.
    #[arg(long)]
    balanced: bool,
    /// Turn off gbdt's early stopping (on by default, on a seeded 10 % validation split).
    #[arg(long)]
    no_early_stopping: bool,
    /// Kernel of the SVM.
    #[arg(long, value_enum, default_value_t = KernelKind::Rbf)]
    kernel: KernelKind,
    /// Penalty C of the SVM, positive.
    #[arg(long, default_value_t = 1.0)]
    c: f64,
    /// gamma of the SVM's RBF kernel (default 1 / features, on standardised features).
    #[arg(long)]
    gamma: Option<f64>,
    /// L2 penalty of ridge regression, >= 0.
    #[arg(long, default_value_t = 1.0)]
    alpha: f64,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

impl ModelArgs {
    fn class_weight(&self) -> ClassWeight {
        if self.balanced {
            ClassWeight::Balanced
        } else {
            ClassWeight::Uniform
        }
    }

    fn spec(&self) -> anyhow::Result<ModelSpec> {
        Ok(match self.model {
            ModelKind::Gbdt => ModelSpec::Gbdt(
                GradientBoosting::params()
                    .n_trees(self.trees)
                    .learning_rate(self.learning_rate)
                    .max_depth(self.max_depth)
                    .class_weight(self.class_weight())
                    .n_iter_no_change(if self.no_early_stopping { 0 } else { 10 })
                    .seed(self.seed)
                    .check()?,
            ),
            ModelKind::Forest => {
                let max_features: MaxFeatures = self.max_features.parse()?;
                ModelSpec::Forest(
                    RandomForest::params()
                        .n_trees(self.trees)
                        .max_depth(self.max_depth)
                        .max_features(max_features)
                        .class_weight(self.class_weight())
                        .seed(self.seed)
                        .check()?,
                )
            }
            ModelKind::Logistic => ModelSpec::Logistic(Logistic::params().check()?),
            ModelKind::Svm => ModelSpec::Svm(
                Svm::params()
                    .kernel(match self.kernel {
                        KernelKind::Linear => SvmKernel::Linear,
                        KernelKind::Rbf => SvmKernel::Rbf { gamma: self.gamma },
                    })
                    .c(self.c)
                    .class_weight(self.class_weight())
                    .seed(self.seed)
                    .check()?,
            ),
            ModelKind::Tree | ModelKind::Ridge => bail!(
                "--model {:?} is available in fit-eval only (it has no saved form)",
                self.model
            ),
        })
    }
}

/// Options of `homeostat train`.
#[derive(Debug, Args)]
pub(crate) struct TrainArgs {
    /// Wide metrics CSV (timestamp column, one column per series), as `simulate` writes.
    #[arg(long)]
    trace: PathBuf,
    /// Fault labels JSON, as `simulate` writes.
    #[arg(long)]
    labels: PathBuf,
    /// Predict "a fault starts within this horizon".
    #[arg(long, default_value = "10m")]
    horizon: Duration,
    /// Grid step of the features.
    #[arg(long, default_value = "1m")]
    step: Duration,
    /// Longest gap filled by interpolation.
    #[arg(long, default_value = "2m")]
    max_gap: Duration,
    /// Share of the trace, at its end, on which the alarm threshold is chosen.
    #[arg(long, default_value_t = 0.3)]
    validation: f64,
    /// Most false alarms per day the threshold may cause on the validation part.
    #[arg(long, default_value_t = 1.0)]
    max_false_alarms_per_day: f64,
    #[command(flatten)]
    model: ModelArgs,
    /// Where to save the model.
    #[arg(long)]
    out: PathBuf,
}

/// Options of `homeostat predict`.
#[derive(Debug, Args)]
pub(crate) struct PredictArgs {
    /// A model saved by `homeostat train`.
    #[arg(long)]
    model: PathBuf,
    /// Wide metrics CSV.
    #[arg(long)]
    trace: PathBuf,
    /// CSV of timestamp, probability, alarm.
    #[arg(long)]
    out: PathBuf,
}

/// Options of `homeostat evaluate`.
#[derive(Debug, Args)]
pub(crate) struct EvaluateArgs {
    /// A model saved by `homeostat train`.
    #[arg(long)]
    model: PathBuf,
    /// Wide metrics CSV.
    #[arg(long)]
    trace: PathBuf,
    /// Fault labels JSON.
    #[arg(long)]
    labels: PathBuf,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// Options of `homeostat fit-eval`.
#[derive(Debug, Args)]
pub(crate) struct FitEvalArgs {
    /// Training CSV with a header; every column but the target is a feature (empty = missing).
    #[arg(long)]
    train: PathBuf,
    /// Test CSV with the same columns (not used with --backtest).
    #[arg(long, required_unless_present = "backtest")]
    test: Option<PathBuf>,
    /// Instead of train/test: a time-ordered backtest on the training CSV's
    /// rows (oldest first) cut into FOLDS + 1 periods, each fold testing on
    /// one period a model trained on all the periods before it.
    #[arg(long, value_name = "FOLDS")]
    backtest: Option<usize>,
    /// With --backtest: refit the model every K folds, reusing it in between.
    #[arg(long, value_name = "K", default_value_t = 1, requires = "backtest")]
    retrain_every: usize,
    /// Name of the target column: 0/1, or a number for `--model ridge`.
    #[arg(long)]
    target: String,
    #[command(flatten)]
    model: ModelArgs,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(command: &ModelCommand) -> anyhow::Result<()> {
    match command {
        ModelCommand::Train(args) => train(args),
        ModelCommand::Predict(args) => predict(args),
        ModelCommand::Evaluate(args) => evaluate(args),
        ModelCommand::FitEval(args) => fit_eval(args),
    }
}

fn read_trace(path: &Path) -> anyhow::Result<Frame> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    csv_ingest::read_wide(BufReader::new(file), csv_ingest::CsvOptions::new())
        .with_context(|| format!("cannot read {}", path.display()))
}

fn read_labels(path: &Path) -> anyhow::Result<FaultLabels> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    serde_json::from_reader(BufReader::new(file))
        .with_context(|| format!("cannot read fault labels from {}", path.display()))
}

fn load_predictor(path: &Path) -> anyhow::Result<FaultPredictor> {
    load_file(path).with_context(|| format!("cannot load model {}", path.display()))
}

/// The window features the fault models use: short and long trailing windows.
pub(crate) fn fault_windows() -> WindowFeatures {
    WindowFeatures {
        windows: vec![5, 30],
        features: vec![Feature::Mean, Feature::Max, Feature::Slope],
        ewma_alphas: Vec::new(),
        lags: Vec::new(),
    }
}

fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let raw = read_trace(&args.trace)?;
    let labels = read_labels(&args.labels)?;
    let mut pipeline = FeaturePipeline::new(args.step, args.max_gap, fault_windows(), args.horizon);
    let data = pipeline.supervised(&raw, &labels)?;
    let alarm = AlarmSpec {
        validation_fraction: args.validation,
        max_false_alarms_per_day: args.max_false_alarms_per_day,
        cooldown: args.horizon,
    };
    let (predictor, report) =
        train_predictor(pipeline, &data, &labels, &args.model.spec()?, &alarm)?;
    save_file(&predictor, &args.out)?;
    say!(
        "trained {:?} on {} rows x {} features ({} labelled 'fault within {}'), threshold chosen on {} later rows",
        args.model.model,
        report.fit_rows,
        predictor.pipeline.columns.len(),
        data.positives(),
        args.horizon,
        report.validation_rows
    );
    match &report.validation {
        Some(v) => say!(
            "threshold {:.4}: validation event recall {:.2} ({} of {} faults), {:.2} false alarms/day, mean lead {:.1} min",
            predictor.alarm.threshold(),
            v.overall.recall(),
            v.overall.predicted,
            v.overall.faults,
            v.false_alarms_per_day(),
            v.overall.mean_lead_secs / 60.0
        ),
        None => say!(
            "no fault in the validation part: threshold left at {}",
            predictor.alarm.threshold()
        ),
    }
    say!("wrote {}", args.out.display());
    Ok(())
}

fn predict(args: &PredictArgs) -> anyhow::Result<()> {
    let predictor = load_predictor(&args.model)?;
    let raw = read_trace(&args.trace)?;
    let (times, x) = predictor.pipeline.prepare(&raw)?;
    let p = predictor.model.predict_proba(x.view())?.to_vec();
    let fired = predictor.alarm.firings(&times, &p)?;
    let file =
        File::create(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut writer = csv::Writer::from_writer(BufWriter::new(file));
    writer.write_record(["timestamp", "probability", "alarm"])?;
    for ((t, p), f) in times.iter().zip(&p).zip(&fired) {
        writer.write_record([t.to_string(), p.to_string(), u8::from(*f).to_string()])?;
    }
    writer.flush()?;
    say!(
        "{} rows, {} alarms at threshold {:.4}; wrote {}",
        times.len(),
        fired.iter().filter(|&&f| f).count(),
        predictor.alarm.threshold(),
        args.out.display()
    );
    Ok(())
}

/// What `evaluate` prints.
#[derive(Debug, Serialize)]
struct Evaluation {
    rows: usize,
    positives: usize,
    threshold: f64,
    roc_auc: f64,
    pr_auc: f64,
    precision: f64,
    recall: f64,
    f1: f64,
    events: homeostat::predict::eval::EventReport,
    false_alarms_per_day: f64,
}

fn evaluate(args: &EvaluateArgs) -> anyhow::Result<()> {
    let predictor = load_predictor(&args.model)?;
    let raw = read_trace(&args.trace)?;
    let labels = read_labels(&args.labels)?;
    let features = predictor.pipeline.features(&raw)?;
    let data = Supervised::align(
        &features,
        &labels,
        predictor.pipeline.horizon,
        InsideFaults::Exclude,
    )?;
    let x = predictor.pipeline.matrix(&data.features)?;
    let p = predictor.model.predict_proba(x.view())?.to_vec();
    let theta = predictor.alarm.threshold();
    let times = data.features.index();
    let fired = predictor.alarm.firings(times, &p)?;
    let events = evaluate_events(times, &fired, &labels, predictor.pipeline.horizon)?;
    let c = Confusion::at(&p, &data.targets, theta)?;
    let e = Evaluation {
        rows: data.len(),
        positives: data.positives(),
        threshold: theta,
        roc_auc: roc_auc(&p, &data.targets)?,
        pr_auc: pr_auc(&p, &data.targets)?,
        precision: c.precision(),
        recall: c.recall(),
        f1: c.f1(),
        false_alarms_per_day: events.false_alarms_per_day(),
        events,
    };
    if args.json {
        say!("{}", serde_json::to_string(&e)?);
        return Ok(());
    }
    say!("{:<28} {:>10}", "metric", "value");
    for (name, value) in [
        ("rows", e.rows as f64),
        ("positive rows", e.positives as f64),
        ("threshold", e.threshold),
        ("ROC-AUC", e.roc_auc),
        ("PR-AUC", e.pr_auc),
        ("precision at threshold", e.precision),
        ("recall at threshold", e.recall),
        ("F1 at threshold", e.f1),
        ("event recall", e.events.overall.recall()),
        (
            "mean lead time (min)",
            e.events.overall.mean_lead_secs / 60.0,
        ),
        ("false alarms per day", e.false_alarms_per_day),
    ] {
        say!("{name:<28} {value:>10.4}");
    }
    for (kind, k) in &e.events.per_kind {
        say!(
            "  {kind:<26} {} of {} faults predicted, lead {:.1} min",
            k.predicted,
            k.faults,
            k.mean_lead_secs / 60.0
        );
    }
    Ok(())
}

/// Reads a CSV with a header into features and a boolean target.
fn read_table(
    path: &Path,
    target: &str,
) -> anyhow::Result<(Vec<String>, Array2<f64>, Array1<bool>)> {
    let (names, x, y) = read_numeric_table(path, target)?;
    let y = y
        .iter()
        .enumerate()
        .map(|(row, &v)| match v {
            0.0 => Ok(false),
            1.0 => Ok(true),
            other => bail!(
                "{}: row {}: target {other} is not 0/1",
                path.display(),
                row + 2
            ),
        })
        .collect::<anyhow::Result<Array1<bool>>>()?;
    Ok((names, x, y))
}

/// Reads a CSV with a header into features and a numeric target
/// (`true`/`false` read as 1/0).
fn read_numeric_table(
    path: &Path,
    target: &str,
) -> anyhow::Result<(Vec<String>, Array2<f64>, Array1<f64>)> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot open {}", path.display()))?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let Some(ti) = header.iter().position(|h| h == target) else {
        bail!("{} has no column {target:?}", path.display());
    };
    let names: Vec<String> = header.iter().filter(|h| *h != target).cloned().collect();
    let (mut values, mut y) = (Vec::new(), Vec::new());
    for (line, record) in reader.records().enumerate() {
        let record =
            record.with_context(|| format!("{}: bad CSV row {}", path.display(), line + 2))?;
        if record.len() != header.len() {
            bail!(
                "{}: row {} has {} fields, the header {}",
                path.display(),
                line + 2,
                record.len(),
                header.len()
            );
        }
        for (i, field) in record.iter().enumerate() {
            let field = field.trim();
            if i == ti {
                y.push(match field {
                    "true" | "True" => 1.0,
                    "false" | "False" => 0.0,
                    other => match other.parse::<f64>() {
                        Ok(v) if v.is_finite() => v,
                        _ => bail!(
                            "{}: row {}: target {other:?} is not a finite number",
                            path.display(),
                            line + 2
                        ),
                    },
                });
            } else if field.is_empty() || field.eq_ignore_ascii_case("nan") {
                values.push(f64::NAN);
            } else {
                values.push(field.parse::<f64>().with_context(|| {
                    format!(
                        "{}: row {}: {field:?} is not a number",
                        path.display(),
                        line + 2
                    )
                })?);
            }
        }
    }
    let x = Array2::from_shape_vec((y.len(), names.len()), values)?;
    Ok((names, x, Array1::from(y)))
}

/// What `fit-eval` prints.
#[derive(Debug, Serialize)]
struct FitEval {
    model: ModelKind,
    n_train: usize,
    n_test: usize,
    n_features: usize,
    fit_ms: f64,
    predict_ms: f64,
    accuracy: f64,
    roc_auc: f64,
    pr_auc: f64,
}

/// What `fit-eval --model ridge` prints.
#[derive(Debug, Serialize)]
struct FitEvalRegression {
    model: ModelKind,
    n_train: usize,
    n_test: usize,
    n_features: usize,
    fit_ms: f64,
    predict_ms: f64,
    r2: f64,
    rmse: f64,
}

/// The test CSV, which clap requires unless --backtest is given.
fn test_path(args: &FitEvalArgs) -> anyhow::Result<&Path> {
    match &args.test {
        Some(path) => Ok(path),
        None => bail!("--test is required"),
    }
}

fn fit_eval_ridge(args: &FitEvalArgs) -> anyhow::Result<()> {
    if args.backtest.is_some() {
        bail!("--backtest scores classifiers; --model ridge is a regression");
    }
    let (names, x, y) = read_numeric_table(&args.train, &args.target)?;
    let (test_names, xt, yt) = read_numeric_table(test_path(args)?, &args.target)?;
    if names != test_names {
        bail!("the test CSV's columns differ from the training CSV's");
    }
    let started = Instant::now();
    let model = RidgeRegression::params()
        .alpha(args.model.alpha)
        .check()?
        .fit_arrays(x.view(), y.view())?;
    let fit_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    let p = model.predict(xt.view())?;
    let predict_ms = started.elapsed().as_secs_f64() * 1e3;
    let n = yt.len().max(1) as f64;
    let mean = yt.sum() / n;
    let residual: f64 = p.iter().zip(&yt).map(|(p, y)| (y - p) * (y - p)).sum();
    let total: f64 = yt.iter().map(|y| (y - mean) * (y - mean)).sum();
    let result = FitEvalRegression {
        model: args.model.model,
        n_train: x.nrows(),
        n_test: xt.nrows(),
        n_features: names.len(),
        fit_ms,
        predict_ms,
        // A constant test target has no variance to explain.
        r2: if total > 0.0 {
            1.0 - residual / total
        } else {
            f64::NAN
        },
        rmse: (residual / n).sqrt(),
    };
    if args.json {
        say!("{}", serde_json::to_string(&result)?);
    } else {
        say!(
            "{:?}: fit {:.1} ms, predict {:.1} ms, R² {:.4}, RMSE {:.4} ({} train / {} test rows)",
            result.model,
            result.fit_ms,
            result.predict_ms,
            result.r2,
            result.rmse,
            result.n_train,
            result.n_test
        );
    }
    std::io::stdout().flush()?;
    Ok(())
}

/// A classifier's checked hyperparameters, for `fit-eval`.
enum Fitter {
    /// A model `train` can also fit.
    Spec(ModelSpec),
    /// linfa-trees' decision tree.
    Tree(ValidDecisionTreeParams),
}

impl Fitter {
    fn new(args: &ModelArgs) -> anyhow::Result<Self> {
        Ok(if args.model == ModelKind::Tree {
            Fitter::Tree(
                DecisionTreeBaseline::params()
                    .max_depth(Some(args.max_depth))
                    .check()?,
            )
        } else {
            Fitter::Spec(args.spec()?)
        })
    }

    fn fit(
        &self,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, bool>,
    ) -> homeostat::predict::Result<Fitted> {
        Ok(Fitted(match self {
            Fitter::Tree(p) => Box::new(p.fit_arrays(x, y)?),
            Fitter::Spec(ModelSpec::Forest(p)) => Box::new(p.fit_arrays(x, y)?),
            Fitter::Spec(ModelSpec::Logistic(p)) => Box::new(p.fit_arrays(x, y)?),
            Fitter::Spec(ModelSpec::Gbdt(p)) => Box::new(p.fit_arrays(x, y)?),
            Fitter::Spec(ModelSpec::Svm(p)) => Box::new(p.fit_arrays(x, y)?),
            Fitter::Spec(other) => {
                return Err(homeostat::predict::Error::InvalidParameter {
                    name: "model",
                    reason: format!("{other:?} is not available in fit-eval"),
                });
            }
        }))
    }
}

/// Any fitted classifier.
struct Fitted(Box<dyn ProbabilisticClassifier>);

impl ProbabilisticClassifier for Fitted {
    fn n_features(&self) -> usize {
        self.0.n_features()
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> homeostat::predict::Result<Array1<f64>> {
        self.0.predict_proba(x)
    }
}

/// `fit-eval --backtest`: the per-fold table, or one JSON array.
fn backtest(args: &FitEvalArgs, folds: usize) -> anyhow::Result<()> {
    let (_, x, y) = read_table(&args.train, &args.target)?;
    let fitter = Fitter::new(&args.model)?;
    let spec = Backtest {
        n_folds: folds,
        retrain_every: args.retrain_every,
        threshold: 0.5,
    };
    let y = y.to_vec();
    let reports = rolling_backtest(x.view(), &y, &spec, |x, y| fitter.fit(x, y))?;
    if args.json {
        say!("{}", serde_json::to_string(&reports)?);
        return Ok(());
    }
    say!(
        "{:>4} {:>8} {:>9} {:>8} {:>6} {:>8} {:>8} {:>9} {:>8} {:>8}",
        "fold",
        "retrain",
        "train",
        "test",
        "faults",
        "ROC-AUC",
        "PR-AUC",
        "precision",
        "recall",
        "F1"
    );
    let auc = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.4}"));
    for r in &reports {
        say!(
            "{:>4} {:>8} {:>9} {:>8} {:>6} {:>8} {:>8} {:>9.4} {:>8.4} {:>8.4}",
            r.fold,
            if r.retrained { "yes" } else { "no" },
            r.train_rows,
            r.test_rows,
            r.test_positives,
            auc(r.roc_auc),
            auc(r.pr_auc),
            r.precision,
            r.recall,
            r.f1
        );
    }
    std::io::stdout().flush()?;
    Ok(())
}

fn fit_eval(args: &FitEvalArgs) -> anyhow::Result<()> {
    if args.model.model == ModelKind::Ridge {
        return fit_eval_ridge(args);
    }
    if let Some(folds) = args.backtest {
        return backtest(args, folds);
    }
    let (names, x, y) = read_table(&args.train, &args.target)?;
    let (test_names, xt, yt) = read_table(test_path(args)?, &args.target)?;
    if names != test_names {
        bail!("the test CSV's columns differ from the training CSV's");
    }
    let started = Instant::now();
    let model = Fitter::new(&args.model)?.fit(x.view(), y.view())?;
    let fit_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    let p = model.predict_proba(xt.view())?;
    let predict_ms = started.elapsed().as_secs_f64() * 1e3;
    let p = p.to_vec();
    let yt: Vec<bool> = ArrayView1::from(&yt).to_vec();
    let result = FitEval {
        model: args.model.model,
        n_train: x.nrows(),
        n_test: xt.nrows(),
        n_features: names.len(),
        fit_ms,
        predict_ms,
        accuracy: Confusion::at(&p, &yt, 0.5)?.accuracy(),
        roc_auc: roc_auc(&p, &yt)?,
        pr_auc: pr_auc(&p, &yt)?,
    };
    if args.json {
        say!("{}", serde_json::to_string(&result)?);
    } else {
        say!(
            "{:?}: fit {:.1} ms, predict {:.1} ms, accuracy {:.4}, ROC-AUC {:.4}, PR-AUC {:.4} ({} train / {} test rows)",
            result.model,
            result.fit_ms,
            result.predict_ms,
            result.accuracy,
            result.roc_auc,
            result.pr_auc,
            result.n_train,
            result.n_test
        );
    }
    std::io::stdout().flush()?;
    Ok(())
}
