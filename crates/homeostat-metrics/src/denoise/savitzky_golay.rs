//! Savitzky–Golay smoothing: a local least-squares polynomial fit.

use serde::{Deserialize, Serialize};

use super::filter::SeriesFilter;
use super::median::check_odd_window;
use crate::error::{Error, Result, invalid};

/// The highest polynomial order accepted: beyond it the normal equations
/// of the fit lose too much precision to be trusted.
const MAX_ORDER: usize = 10;

/// Savitzky–Golay smoothing: each point becomes the value at that point of
/// the degree-`order` polynomial fitted by least squares to the `window`
/// samples (odd) centred on it. The first and last `window / 2` points use
/// the fit of the first and last full window (SciPy's `mode="interp"`).
///
/// A polynomial of degree at most `order` passes through unchanged. An
/// output is missing (NaN) when its window holds a missing value. An empty
/// series gives an empty result; a non-empty series shorter than `window`
/// is [`Error::InsufficientData`]. A frame is filtered column by column;
/// `fit` learns nothing.
///
/// ```
/// use homeostat_metrics::denoise::{SavitzkyGolay, SeriesFilter};
/// let sg = SavitzkyGolay::new(5, 2);
/// let c = sg.coefficients()?;
/// let expected = [-3.0, 12.0, 17.0, 12.0, -3.0].map(|w| w / 35.0);
/// assert!(c.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-12));
/// // A parabola is kept exactly (up to rounding), edges included.
/// let parabola: Vec<f64> = (0..8).map(|i| (i * i) as f64).collect();
/// let out = sg.filter_values(&parabola)?;
/// assert!(out.iter().zip(&parabola).all(|(a, b)| (a - b).abs() < 1e-9));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavitzkyGolay {
    /// Samples per window; positive and odd.
    pub window: usize,
    /// The polynomial's degree; below `window` and at most 10.
    pub order: usize,
}

impl SavitzkyGolay {
    /// A configuration; validated when it filters.
    ///
    /// ```
    /// use homeostat_metrics::denoise::SavitzkyGolay;
    /// assert_eq!(SavitzkyGolay::new(7, 3).order, 3);
    /// ```
    pub fn new(window: usize, order: usize) -> Self {
        SavitzkyGolay { window, order }
    }

    /// The convolution weights for the window's centre, oldest sample
    /// first (symmetric).
    ///
    /// ```
    /// use homeostat_metrics::denoise::SavitzkyGolay;
    /// // Order 0 and 1 are a moving average.
    /// assert_eq!(SavitzkyGolay::new(3, 1).coefficients()?.len(), 3);
    /// assert!(SavitzkyGolay::new(3, 3).coefficients().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn coefficients(&self) -> Result<Vec<f64>> {
        self.check()?;
        let design = Design::new(self.window, self.order);
        let z = solve(design.normal_matrix(), design.powers(0.0))?;
        Ok(design.rows.iter().map(|row| dot(row, &z)).collect())
    }

    fn check(&self) -> Result<()> {
        check_odd_window(self.window)?;
        if self.order >= self.window || self.order > MAX_ORDER {
            return Err(invalid(
                "order",
                format!(
                    "the polynomial order must be below the window ({}) and at most {MAX_ORDER}, got {}",
                    self.window, self.order
                ),
            ));
        }
        Ok(())
    }
}

/// The fit's design matrix over positions scaled to `[-1, 1]`.
struct Design {
    half: usize,
    scale: f64,
    order: usize,
    /// One row per sample: `x^0 .. x^order`.
    rows: Vec<Vec<f64>>,
}

impl Design {
    fn new(window: usize, order: usize) -> Self {
        let half = window / 2;
        let scale = half.max(1) as f64;
        let mut design = Design {
            half,
            scale,
            order,
            rows: Vec::new(),
        };
        design.rows = (0..window)
            .map(|i| design.powers(i as f64 - half as f64))
            .collect();
        design
    }

    /// `x^0 .. x^order` at offset `offset` from the centre.
    fn powers(&self, offset: f64) -> Vec<f64> {
        let x = offset / self.scale;
        std::iter::successors(Some(1.0), |p| Some(p * x))
            .take(self.order + 1)
            .collect()
    }

    fn normal_matrix(&self) -> Vec<Vec<f64>> {
        (0..=self.order)
            .map(|a| {
                (0..=self.order)
                    .map(|b| self.rows.iter().map(|r| r[a] * r[b]).sum())
                    .collect()
            })
            .collect()
    }

    /// The fitted polynomial of `window` values evaluated at each position
    /// in `positions` (indices into the window).
    fn fit_at(&self, window: &[f64], positions: std::ops::Range<usize>) -> Result<Vec<f64>> {
        let rhs = (0..=self.order)
            .map(|a| self.rows.iter().zip(window).map(|(r, y)| r[a] * y).sum())
            .collect();
        let c = solve(self.normal_matrix(), rhs)?;
        Ok(positions
            .map(|i| dot(&self.powers(i as f64 - self.half as f64), &c))
            .collect())
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves `m · z = rhs` by Gaussian elimination with partial pivoting.
fn solve(mut m: Vec<Vec<f64>>, mut rhs: Vec<f64>) -> Result<Vec<f64>> {
    let n = rhs.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
            .unwrap_or(col);
        let p = m[pivot][col].abs();
        if p.is_nan() || p <= 1e-12 {
            return Err(invalid(
                "order",
                "the least-squares system of the fit is singular".to_owned(),
            ));
        }
        m.swap(col, pivot);
        rhs.swap(col, pivot);
        let (done, rest) = m.split_at_mut(col + 1);
        let Some(pivot_row) = done.last() else {
            break;
        };
        for (offset, row) in rest.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row.iter_mut().zip(pivot_row).skip(col) {
                *x -= f * p;
            }
            rhs[col + 1 + offset] -= f * rhs[col];
        }
    }
    let mut z = vec![0.0; n];
    for row in (0..n).rev() {
        let tail: f64 = (row + 1..n).map(|k| m[row][k] * z[k]).sum();
        z[row] = (rhs[row] - tail) / m[row][row];
    }
    Ok(z)
}

impl SeriesFilter for SavitzkyGolay {
    fn filter_values(&self, values: &[f64]) -> Result<Vec<f64>> {
        let weights = self.coefficients()?;
        if values.is_empty() {
            return Ok(Vec::new());
        }
        if values.len() < self.window {
            return Err(Error::InsufficientData {
                reason: format!(
                    "Savitzky-Golay smoothing with a window of {} needs at least that many values, got {}",
                    self.window,
                    values.len()
                ),
            });
        }
        let design = Design::new(self.window, self.order);
        let half = self.window / 2;
        let edge = |window: &[f64], positions| -> Result<Vec<f64>> {
            if window.iter().any(|v| v.is_nan()) {
                Ok(vec![f64::NAN; half])
            } else {
                design.fit_at(window, positions)
            }
        };
        let first = values.get(..self.window).unwrap_or(&[]);
        let last = values.get(values.len() - self.window..).unwrap_or(&[]);
        let mut out = edge(first, 0..half)?;
        // NaN in a window propagates through the weighted sum.
        out.extend(values.windows(self.window).map(|w| dot(w, &weights)));
        out.extend(edge(last, half + 1..self.window)?);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
    }

    #[test]
    fn coefficients_match_the_published_tables() {
        let c = SavitzkyGolay::new(7, 2).coefficients().unwrap();
        let expected = [-2.0, 3.0, 6.0, 7.0, 6.0, 3.0, -2.0].map(|w| w / 21.0);
        assert!(close(&c, &expected, 1e-12), "{c:?}");
        let c = SavitzkyGolay::new(7, 4).coefficients().unwrap();
        let expected = [5.0, -30.0, 75.0, 131.0, 75.0, -30.0, 5.0].map(|w| w / 231.0);
        assert!(close(&c, &expected, 1e-12), "{c:?}");
        let c = SavitzkyGolay::new(5, 1).coefficients().unwrap();
        assert!(close(&c, &[0.2; 5], 1e-12), "{c:?}");
        assert_eq!(SavitzkyGolay::new(1, 0).coefficients().unwrap(), [1.0]);
    }

    #[test]
    fn edge_cases() {
        let sg = SavitzkyGolay::new(5, 2);
        assert!(sg.filter_values(&[]).unwrap().is_empty());
        let short = sg.filter_values(&[1.0, 2.0]).unwrap_err();
        assert!(matches!(short, Error::InsufficientData { .. }), "{short}");
        let nan = sg.filter_values(&[f64::NAN; 6]).unwrap();
        assert!(nan.len() == 6 && nan.iter().all(|v| v.is_nan()));
        // A missing value spoils exactly the windows that hold it.
        let mut v: Vec<f64> = (0..11).map(f64::from).collect();
        v[5] = f64::NAN;
        let out = sg.filter_values(&v).unwrap();
        let missing: Vec<usize> = (0..11).filter(|&i| out[i].is_nan()).collect();
        assert_eq!(missing, [3, 4, 5, 6, 7]);
        for (window, order) in [(4, 2), (0, 0), (5, 5), (25, 11)] {
            let err = SavitzkyGolay::new(window, order)
                .filter_values(&[1.0])
                .unwrap_err();
            assert!(matches!(err, Error::InvalidParameter { .. }), "{err}");
        }
    }

    proptest! {
        #[test]
        fn polynomials_up_to_the_order_are_kept(
            half in 1usize..8,
            order_seed in 0usize..8,
            extra in 0usize..20,
            coefs in proptest::collection::vec(-10.0..10.0f64, 8),
        ) {
            let window = 2 * half + 1;
            let order = order_seed.min(window - 1).min(6);
            let n = window + extra;
            let values: Vec<f64> = (0..n)
                .map(|i| {
                    let t = i as f64 / n as f64;
                    coefs.iter().take(order + 1).rev().fold(0.0, |acc, c| acc * t + c)
                })
                .collect();
            let out = SavitzkyGolay::new(window, order).filter_values(&values).unwrap();
            prop_assert!(close(&out, &values, 1e-7), "{out:?} vs {values:?}");
        }
    }
}
