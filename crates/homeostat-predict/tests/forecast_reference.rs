//! Seasonal ARIMA checked against statsmodels 0.14.5 on the log airline
//! passengers (Box & Jenkins series G, the first 132 months): the figures
//! below are statsmodels' (`ARIMA(order=(0,1,1), seasonal_order=(0,1,1,12))
//! .fit()` and `kpss(regression="c", nlags=4)`), as printed by
//! `benches/compare/forecast_vs_statsmodels.py`.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_predict::forecast::{Arima, ArimaMethod, Forecaster, kpss_statistic};

const AIRLINE: [f64; 132] = [
    112.0, 118.0, 132.0, 129.0, 121.0, 135.0, 148.0, 148.0, 136.0, 119.0, 104.0, 118.0, 115.0,
    126.0, 141.0, 135.0, 125.0, 149.0, 170.0, 170.0, 158.0, 133.0, 114.0, 140.0, 145.0, 150.0,
    178.0, 163.0, 172.0, 178.0, 199.0, 199.0, 184.0, 162.0, 146.0, 166.0, 171.0, 180.0, 193.0,
    181.0, 183.0, 218.0, 230.0, 242.0, 209.0, 191.0, 172.0, 194.0, 196.0, 196.0, 236.0, 235.0,
    229.0, 243.0, 264.0, 272.0, 237.0, 211.0, 180.0, 201.0, 204.0, 188.0, 235.0, 227.0, 234.0,
    264.0, 302.0, 293.0, 259.0, 229.0, 203.0, 229.0, 242.0, 233.0, 267.0, 269.0, 270.0, 315.0,
    364.0, 347.0, 312.0, 274.0, 237.0, 278.0, 284.0, 277.0, 317.0, 313.0, 318.0, 374.0, 413.0,
    405.0, 355.0, 306.0, 271.0, 306.0, 315.0, 301.0, 356.0, 348.0, 355.0, 422.0, 465.0, 467.0,
    404.0, 347.0, 305.0, 336.0, 340.0, 318.0, 362.0, 348.0, 363.0, 435.0, 491.0, 505.0, 404.0,
    359.0, 310.0, 337.0, 360.0, 342.0, 406.0, 396.0, 420.0, 472.0, 548.0, 559.0, 463.0, 407.0,
    362.0, 405.0,
];

#[test]
fn airline_model_matches_statsmodels() {
    let y: Vec<f64> = AIRLINE.iter().map(|v| v.ln()).collect();
    let fit = Arima::params()
        .order(0, 1, 1)
        .seasonal(0, 1, 1, 12)
        .method(ArimaMethod::Ml)
        .fit(&y)
        .unwrap();
    assert!((fit.ma()[0] + 0.348_29).abs() < 1e-3, "{:?}", fit.ma());
    assert!(
        (fit.seasonal_ma()[0] + 0.562_35).abs() < 1e-3,
        "{:?}",
        fit.seasonal_ma()
    );
    assert!(
        (fit.log_likelihood() - 223.626_59).abs() < 1e-3,
        "{}",
        fit.log_likelihood()
    );
    // The default CSS-then-ML reaches the same optimum.
    let css_ml = Arima::params()
        .order(0, 1, 1)
        .seasonal(0, 1, 1, 12)
        .fit(&y)
        .unwrap();
    assert!((css_ml.log_likelihood() - fit.log_likelihood()).abs() < 1e-3);
    // Forecasts keep the seasonal shape: July above November a year on.
    let f = fit.forecast(12, 0.95).unwrap();
    assert!(f.mean[6] > f.mean[10]);
    assert!(f.sd.windows(2).all(|w| w[1] >= w[0]));
}

#[test]
fn kpss_matches_statsmodels() {
    let y: Vec<f64> = AIRLINE.iter().map(|v| v.ln()).collect();
    let x: Vec<f64> = (12..y.len()).map(|t| y[t] - y[t - 12]).collect();
    let stat = kpss_statistic(&x);
    assert!((stat - 0.340_149_38).abs() < 1e-6, "{stat}");
}
