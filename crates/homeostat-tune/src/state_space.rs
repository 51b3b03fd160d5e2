//! Linear state-space models `x(t+1) = A·x(t) + B·u(t)` (or, with a
//! constant term, `A·x(t) + B·u(t) + c`) identified from logged data by
//! least squares, with k-step prediction and one-step model-predictive
//! control inside input bounds.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, Slice};

use crate::control::{Controller, DecisionContext};
use crate::error::{Error, Result};

/// A fitted model `x(t+1) = A·x(t) + B·u(t)` with `n` states and `m`
/// inputs, and the quality of its fit.
///
/// ```
/// use ndarray::{array, Array2};
/// use homeostat_tune::state_space::StateSpaceModel;
/// // Utilisation relaxes towards the input: x' = 0.8 x + 0.2 u.
/// let u: Array2<f64> = Array2::from_shape_fn((50, 1), |(t, _)| if t % 10 < 5 { 1.0 } else { 0.0 });
/// let mut x = Array2::zeros((50, 1));
/// for t in 1..50 {
///     x[[t, 0]] = 0.8 * x[[t - 1, 0]] + 0.2 * u[[t - 1, 0]];
/// }
/// let model = StateSpaceModel::fit(x.view(), u.view())?;
/// assert!((model.a()[[0, 0]] - 0.8).abs() < 1e-9);
/// assert!((model.b()[[0, 0]] - 0.2).abs() < 1e-9);
/// assert!(model.fit_quality().r_squared[0] > 0.999);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StateSpaceModel {
    a: Array2<f64>,
    b: Array2<f64>,
    /// The constant term: zero unless fitted by
    /// [`fit_affine`](StateSpaceModel::fit_affine).
    c: Array1<f64>,
    quality: FitQuality,
}

/// How well a model explains the data it was fitted on.
#[derive(Debug, Clone, PartialEq)]
pub struct FitQuality {
    /// Per state: 1 − residual variance / variance of the next state
    /// (1 is a perfect fit; 1 also when the state never varies and is
    /// predicted exactly).
    pub r_squared: Vec<f64>,
    /// Per state: root mean squared one-step prediction error.
    pub rmse: Vec<f64>,
    /// Transitions used (rows − 1).
    pub transitions: usize,
}

impl StateSpaceModel {
    /// Fits `A` (`n × n`) and `B` (`n × m`) to states `x` (`T × n`, one row
    /// per time step) and inputs `u` (`T × m`, the input applied at each
    /// step) by least squares on the `T − 1` transitions.
    ///
    /// Errors: [`Error::ShapeMismatch`] when the row counts differ or a
    /// dimension is 0, [`Error::NonFinite`] for NaN or infinite data,
    /// [`Error::NotEnoughData`] with fewer than `n + m` transitions,
    /// [`Error::Singular`] when the data do not determine the model (an
    /// input that never changes, states that move together).
    pub fn fit(x: ArrayView2<'_, f64>, u: ArrayView2<'_, f64>) -> Result<Self> {
        Self::fit_with(x, u, false)
    }

    /// Fits `x(t+1) = A·x(t) + B·u(t) + c` with a constant term `c`
    /// (`n`): for systems whose equilibrium at `u = 0` is not `x = 0`, such
    /// as utilisation with a background load, or data logged around an
    /// operating point. Errors as [`fit`](Self::fit), with `n + m + 1`
    /// transitions needed; [`Error::Singular`] also when a state or input
    /// never changes (it cannot be told from the constant).
    ///
    /// ```
    /// use ndarray::Array2;
    /// use homeostat_tune::state_space::StateSpaceModel;
    /// // Utilisation with a background load: x' = 0.8 x + 0.1 u + 0.05.
    /// let u = Array2::from_shape_fn((60, 1), |(t, _)| ((t * 7) % 11) as f64 / 10.0);
    /// let mut x = Array2::zeros((60, 1));
    /// for t in 1..60 {
    ///     x[[t, 0]] = 0.8 * x[[t - 1, 0]] + 0.1 * u[[t - 1, 0]] + 0.05;
    /// }
    /// let model = StateSpaceModel::fit_affine(x.view(), u.view())?;
    /// assert!((model.c()[0] - 0.05).abs() < 1e-9);
    /// assert!((model.a()[[0, 0]] - 0.8).abs() < 1e-9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit_affine(x: ArrayView2<'_, f64>, u: ArrayView2<'_, f64>) -> Result<Self> {
        Self::fit_with(x, u, true)
    }

    fn fit_with(x: ArrayView2<'_, f64>, u: ArrayView2<'_, f64>, constant: bool) -> Result<Self> {
        let (rows, n) = x.dim();
        let (u_rows, m) = u.dim();
        if rows != u_rows || n == 0 || m == 0 {
            return Err(Error::ShapeMismatch {
                what: format!(
                    "states are {rows}×{n} and inputs {u_rows}×{m}; need equal rows and at least one column each"
                ),
            });
        }
        if let Some(&bad) = x.iter().chain(u.iter()).find(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                name: "data",
                value: bad,
            });
        }
        let p = n + m + usize::from(constant);
        let transitions = rows.saturating_sub(1);
        if transitions < p {
            return Err(Error::NotEnoughData {
                got: rows,
                needed: p + 1,
            });
        }
        // Regressors z(t) = [x(t), u(t)] (and 1 for the constant), targets
        // y(t) = x(t+1).
        let mut z = Array2::ones((transitions, p));
        z.slice_axis_mut(Axis(1), Slice::from(..n))
            .assign(&x.slice_axis(Axis(0), Slice::from(..transitions)));
        z.slice_axis_mut(Axis(1), Slice::from(n..n + m))
            .assign(&u.slice_axis(Axis(0), Slice::from(..transitions)));
        let y = x.slice_axis(Axis(0), Slice::from(1..));
        let gram = z.t().dot(&z);
        let rhs = z.t().dot(&y);
        let theta = solve_spd(gram, rhs)?; // p × n, so theta.t() = [A B]
        let a = theta.slice_axis(Axis(0), Slice::from(..n)).t().to_owned();
        let b = theta
            .slice_axis(Axis(0), Slice::from(n..n + m))
            .t()
            .to_owned();
        let c = if constant {
            theta.row(n + m).to_owned()
        } else {
            Array1::zeros(n)
        };

        let residual = &y - &z.dot(&theta);
        let mut r_squared = Vec::with_capacity(n);
        let mut rmse = Vec::with_capacity(n);
        for (col, res) in y.axis_iter(Axis(1)).zip(residual.axis_iter(Axis(1))) {
            let sse = res.iter().map(|e| e * e).sum::<f64>();
            let mean = col.mean().unwrap_or(0.0);
            let sst = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>();
            r_squared.push(if sst > 0.0 {
                1.0 - sse / sst
            } else if sse <= f64::EPSILON {
                1.0
            } else {
                0.0
            });
            rmse.push((sse / transitions as f64).sqrt());
        }
        Ok(StateSpaceModel {
            a,
            b,
            c,
            quality: FitQuality {
                r_squared,
                rmse,
                transitions,
            },
        })
    }

    /// The state matrix `A` (`n × n`).
    pub fn a(&self) -> &Array2<f64> {
        &self.a
    }

    /// The input matrix `B` (`n × m`).
    pub fn b(&self) -> &Array2<f64> {
        &self.b
    }

    /// The constant term `c` (`n`; zeros for a model fitted by
    /// [`fit`](Self::fit)).
    pub fn c(&self) -> &Array1<f64> {
        &self.c
    }

    /// Fit quality on the training data.
    pub fn fit_quality(&self) -> &FitQuality {
        &self.quality
    }

    /// Number of states `n`.
    pub fn states(&self) -> usize {
        self.a.nrows()
    }

    /// Number of inputs `m`.
    pub fn inputs(&self) -> usize {
        self.b.ncols()
    }

    /// One step: `A·x + B·u + c`.
    pub fn step(&self, x: ArrayView1<'_, f64>, u: ArrayView1<'_, f64>) -> Result<Array1<f64>> {
        self.check_lengths(x.len(), u.len())?;
        Ok(self.a.dot(&x) + self.b.dot(&u) + &self.c)
    }

    /// Predicts `k = inputs.nrows()` steps from `x0` under the inputs (one
    /// row per step); row `i` of the result is the state after step `i + 1`.
    pub fn predict(
        &self,
        x0: ArrayView1<'_, f64>,
        inputs: ArrayView2<'_, f64>,
    ) -> Result<Array2<f64>> {
        self.check_lengths(x0.len(), inputs.ncols())?;
        let mut out = Array2::zeros((inputs.nrows(), self.states()));
        let mut x = x0.to_owned();
        for (row, u) in out.axis_iter_mut(Axis(0)).zip(inputs.axis_iter(Axis(0))) {
            x = self.a.dot(&x) + self.b.dot(&u) + &self.c;
            let mut row = row;
            row.assign(&x);
        }
        Ok(out)
    }

    /// One-step model-predictive control: the input in
    /// `[u_min, u_max]` (per input) that minimises
    /// `‖A·x + B·u + c − target‖² + effort·‖u‖²`, by projected coordinate
    /// descent (the problem is a convex box-constrained quadratic).
    ///
    /// Errors: [`Error::ShapeMismatch`] for wrong lengths,
    /// [`Error::NonFinite`] for non-finite values, [`Error::MinAboveMax`]
    /// when a lower bound is above its upper bound,
    /// [`Error::InvalidParameter`] for a negative effort.
    pub fn control(
        &self,
        x: ArrayView1<'_, f64>,
        target: ArrayView1<'_, f64>,
        u_min: ArrayView1<'_, f64>,
        u_max: ArrayView1<'_, f64>,
        effort: f64,
    ) -> Result<Array1<f64>> {
        let (n, m) = (self.states(), self.inputs());
        if target.len() != n || u_min.len() != m || u_max.len() != m {
            return Err(Error::ShapeMismatch {
                what: format!(
                    "target has {} values for {n} states, bounds {} and {} for {m} inputs",
                    target.len(),
                    u_min.len(),
                    u_max.len()
                ),
            });
        }
        self.check_lengths(x.len(), m)?;
        crate::error::check_range("effort", effort, 0.0, 1e12, "[0, 1e12]")?;
        if let Some(&bad) = x
            .iter()
            .chain(target.iter())
            .chain(u_min.iter())
            .chain(u_max.iter())
            .find(|v| !v.is_finite())
        {
            return Err(Error::NonFinite {
                name: "control input",
                value: bad,
            });
        }
        for (&lo, &hi) in u_min.iter().zip(u_max.iter()) {
            crate::error::check_order("u_min", lo, "u_max", hi)?;
        }
        // Minimise ‖B u − r‖² + effort ‖u‖² with r = target − A x − c.
        let r = &target - &self.a.dot(&x) - &self.c;
        let mut u: Array1<f64> = u_min
            .iter()
            .zip(u_max.iter())
            .map(|(&lo, &hi)| 0.0_f64.clamp(lo, hi))
            .collect();
        let col_norms: Vec<f64> = self
            .b
            .axis_iter(Axis(1))
            .map(|c| c.dot(&c) + effort)
            .collect();
        for _ in 0..200 {
            let mut moved = 0.0_f64;
            for j in 0..m {
                if col_norms[j] <= 0.0 {
                    continue; // this input has no effect and costs nothing
                }
                let residual = &r - &self.b.dot(&u);
                let bj = self.b.column(j);
                let best = (u[j] * (col_norms[j] - effort) + bj.dot(&residual)) / col_norms[j];
                let next = best.clamp(u_min[j], u_max[j]);
                moved = moved.max((next - u[j]).abs());
                u[j] = next;
            }
            if moved <= 1e-12 {
                break;
            }
        }
        Ok(u)
    }

    fn check_lengths(&self, x_len: usize, u_len: usize) -> Result<()> {
        if x_len != self.states() || u_len != self.inputs() {
            return Err(Error::ShapeMismatch {
                what: format!(
                    "state of length {x_len} and input of length {u_len} for a model with {} states and {} inputs",
                    self.states(),
                    self.inputs()
                ),
            });
        }
        Ok(())
    }
}

/// Solves `G·X = H` for a symmetric positive-definite `G` by Cholesky;
/// [`Error::Singular`] when a pivot is negligible against the diagonal.
fn solve_spd(gram: Array2<f64>, rhs: Array2<f64>) -> Result<Array2<f64>> {
    let p = gram.nrows();
    let scale = gram.diag().iter().fold(0.0_f64, |acc, v| acc.max(v.abs()));
    let mut l = Array2::<f64>::zeros((p, p));
    for i in 0..p {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[[i, k]] * l[[j, k]]).sum();
            if i == j {
                let pivot = gram[[i, i]] - dot;
                if pivot.is_nan() || pivot <= 1e-12 * scale {
                    return Err(Error::Singular { what: "A and B" });
                }
                l[[i, i]] = pivot.sqrt();
            } else {
                l[[i, j]] = (gram[[i, j]] - dot) / l[[j, j]];
            }
        }
    }
    let mut x = rhs;
    for mut col in x.axis_iter_mut(Axis(1)) {
        for i in 0..p {
            let dot: f64 = (0..i).map(|k| l[[i, k]] * col[k]).sum();
            col[i] = (col[i] - dot) / l[[i, i]];
        }
        for i in (0..p).rev() {
            let dot: f64 = (i + 1..p).map(|k| l[[k, i]] * col[k]).sum();
            col[i] = (col[i] - dot) / l[[i, i]];
        }
    }
    Ok(x)
}

/// One-step model-predictive control of a single input as a
/// [`Controller`]: each observation is the state `x`; the proposal is the
/// input `u` in the interval the envelope allows now that brings
/// `A·x + B·u` closest to the target, with `effort` weighing `u²`
/// ([`StateSpaceModel::control`]). Wrapped in an
/// [`Enveloped`](crate::control::Enveloped), its choice is always inside
/// the envelope.
///
/// ```
/// use ndarray::array;
/// use homeostat_tune::control::{Enveloped, Envelope};
/// use homeostat_tune::state_space::{OneStepMpc, StateSpaceModel};
/// // x' = 0.5 x + 0.1 u; hold x at 2 (needs u = 10), inputs in [0, 8], 3 per step.
/// let mut xs = ndarray::Array2::zeros((30, 1));
/// let us = ndarray::Array2::from_shape_fn((30, 1), |(t, _)| (t % 7) as f64);
/// for t in 1..30 { xs[[t, 0]] = 0.5 * xs[[t - 1, 0]] + 0.1 * us[[t - 1, 0]]; }
/// let model = StateSpaceModel::fit(xs.view(), us.view())?;
/// let mpc = OneStepMpc::params(model, vec![2.0]).check()?;
/// let envelope = Envelope::params(0.0, 8.0).max_step(3.0).check()?;
/// let mut control = Enveloped::new(mpc, envelope);
/// assert!((control.decide(&[0.0][..], 0.0) - 3.0).abs() < 1e-9); // one step up
/// assert!((control.decide(&[0.3][..], 1.0) - 6.0).abs() < 1e-9);
/// assert!((control.decide(&[0.75][..], 2.0) - 8.0).abs() < 1e-9); // at the maximum
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OneStepMpc {
    model: StateSpaceModel,
    target: Array1<f64>,
    effort: f64,
    last: f64,
}

/// Parameters of [`OneStepMpc`]; [`check`](OneStepMpcParams::check)
/// validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct OneStepMpcParams {
    model: StateSpaceModel,
    target: Vec<f64>,
    effort: f64,
    initial_input: f64,
}

impl OneStepMpc {
    /// Controls `model` (one input) towards `target` (one value per
    /// state). Defaults: effort 0, initial input 0.
    pub fn params(model: StateSpaceModel, target: Vec<f64>) -> OneStepMpcParams {
        OneStepMpcParams {
            model,
            target,
            effort: 0.0,
            initial_input: 0.0,
        }
    }

    /// The model.
    pub fn model(&self) -> &StateSpaceModel {
        &self.model
    }

    /// The target state.
    pub fn target(&self) -> &Array1<f64> {
        &self.target
    }

    /// Moves the target; a wrong length or a non-finite value is an error
    /// and changes nothing.
    pub fn set_target(&mut self, target: &[f64]) -> Result<()> {
        self.target = checked_target(&self.model, target)?;
        Ok(())
    }
}

fn checked_target(model: &StateSpaceModel, target: &[f64]) -> Result<Array1<f64>> {
    if target.len() != model.states() {
        return Err(Error::ShapeMismatch {
            what: format!(
                "target has {} values for {} states",
                target.len(),
                model.states()
            ),
        });
    }
    if let Some(&bad) = target.iter().find(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            name: "target",
            value: bad,
        });
    }
    Ok(Array1::from(target.to_vec()))
}

impl OneStepMpcParams {
    /// Weight of `u²` against the squared distance to the target; default
    /// 0; in `[0, 1e12]`.
    pub fn effort(mut self, effort: f64) -> Self {
        self.effort = effort;
        self
    }
    /// The input before the first observation; default 0; finite.
    pub fn initial_input(mut self, input: f64) -> Self {
        self.initial_input = input;
        self
    }
    /// Validates the parameters into a [`OneStepMpc`]: the model must have
    /// exactly one input ([`Error::ShapeMismatch`] otherwise).
    pub fn check(self) -> Result<OneStepMpc> {
        if self.model.inputs() != 1 {
            return Err(Error::ShapeMismatch {
                what: format!(
                    "one-step control drives one input; the model has {}",
                    self.model.inputs()
                ),
            });
        }
        let target = checked_target(&self.model, &self.target)?;
        crate::error::check_range("effort", self.effort, 0.0, 1e12, "[0, 1e12]")?;
        crate::error::check_range(
            "initial_input",
            self.initial_input,
            -1e15,
            1e15,
            "[-1e15, 1e15]",
        )?;
        Ok(OneStepMpc {
            model: self.model,
            target,
            effort: self.effort,
            last: self.initial_input,
        })
    }
}

/// Observes the state; a state of the wrong length or with a non-finite
/// value keeps the last proposal.
impl Controller for OneStepMpc {
    type Observation = [f64];

    fn current(&self) -> f64 {
        self.last
    }

    fn observe(&mut self, x: &[f64], context: &DecisionContext) -> f64 {
        let bounds = (
            Array1::from_elem(1, context.lowest),
            Array1::from_elem(1, context.highest),
        );
        let chosen = self.model.control(
            ArrayView1::from(x),
            self.target.view(),
            bounds.0.view(),
            bounds.1.view(),
            self.effort,
        );
        if let Ok(u) = chosen
            && let Some(&u) = u.first()
        {
            self.last = u;
        }
        self.last
    }
}
