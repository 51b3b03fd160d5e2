//! Fits one forecasting model to a series read from standard input (one
//! value a line) and prints the fit and its forecast as one JSON line: the
//! Rust side of `benches/compare/forecast_vs_statsmodels.py`.
//!
//! Run: `cargo run -p homeostat-examples --bin forecast_fit -- MODEL HORIZON [ARGS]`
//! with MODEL one of
//! - `arima p d q P D Q m METHOD MEAN` (METHOD `css`, `ml` or `css-ml`; MEAN `0`/`1`),
//! - `auto-arima m`,
//! - `holt-winters TREND DAMPED SEASON m` (TREND, DAMPED `0`/`1`; SEASON `none`, `add`, `mul`),
//! - `auto-ets m`,
//! - `auto m`.

use std::io::Read as _;
use std::time::Instant;

use homeostat::predict::forecast::{
    Arima, ArimaFit, ArimaMethod, AutoFit, Forecaster, HoltWinters, HoltWintersFit, Seasonality,
    auto_arima, auto_ets, auto_forecast,
};

fn arg(args: &[String], i: usize) -> Result<usize, Box<dyn std::error::Error>> {
    let text = args.get(i).ok_or(format!("argument {i} is missing"))?;
    Ok(text.parse()?)
}

fn arima_json(fit: &ArimaFit) -> String {
    let ((p, d, q), (sp, sd, sq, m)) = fit.order();
    format!(
        r#""family":"arima","order":[{p},{d},{q}],"seasonal":[{sp},{sd},{sq},{m}],"ar":{:?},"ma":{:?},"sar":{:?},"sma":{:?},"mean":{},"has_mean":{},"sigma2":{},"loglik":{},"aicc":{}"#,
        fit.ar(),
        fit.ma(),
        fit.seasonal_ar(),
        fit.seasonal_ma(),
        fit.mean(),
        fit.has_mean(),
        fit.sigma2(),
        fit.log_likelihood(),
        fit.aicc()
    )
}

fn ets_json(fit: &HoltWintersFit) -> String {
    let (alpha, beta, gamma, phi) = fit.weights();
    let (trend, damped, season, m) = fit.form();
    format!(
        r#""family":"ets","trend":{trend},"damped":{damped},"season":"{season:?}","period":{m},"alpha":{alpha},"beta":{beta},"gamma":{gamma},"phi":{phi},"sse":{}"#,
        fit.sse()
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let model = args.first().ok_or("MODEL is missing")?.clone();
    let horizon = arg(&args, 1)?;
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    let y: Vec<f64> = text
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let start = Instant::now();
    let fit = match model.as_str() {
        "arima" => {
            let method = match args.get(9).map(String::as_str) {
                Some("css") => ArimaMethod::Css,
                Some("ml") => ArimaMethod::Ml,
                _ => ArimaMethod::CssMl,
            };
            let params = Arima::params()
                .order(arg(&args, 2)?, arg(&args, 3)?, arg(&args, 4)?)
                .seasonal(
                    arg(&args, 5)?,
                    arg(&args, 6)?,
                    arg(&args, 7)?,
                    arg(&args, 8)?,
                )
                .method(method)
                .mean(arg(&args, 10)? == 1);
            AutoFit::Arima(Box::new(params.fit(&y)?))
        }
        "auto-arima" => AutoFit::Arima(Box::new(auto_arima().period(arg(&args, 2)?).fit(&y)?)),
        "holt-winters" => {
            let season = match args.get(4).map(String::as_str) {
                Some("add") => Seasonality::Additive,
                Some("mul") => Seasonality::Multiplicative,
                _ => Seasonality::None,
            };
            let params = HoltWinters::params()
                .trend(arg(&args, 2)? == 1)
                .damped(arg(&args, 3)? == 1)
                .seasonality(season)
                .period(arg(&args, 5)?);
            AutoFit::HoltWinters(params.fit(&y)?)
        }
        "auto-ets" => AutoFit::HoltWinters(auto_ets().period(arg(&args, 2)?).fit(&y)?),
        "auto" => auto_forecast(&y, arg(&args, 2)?)?,
        other => return Err(format!("unknown model {other}").into()),
    };
    let seconds = start.elapsed().as_secs_f64();
    let f = fit.forecast(horizon, 0.95)?;
    let body = match &fit {
        AutoFit::Arima(a) => arima_json(a),
        AutoFit::HoltWinters(h) => ets_json(h),
    };
    println!(
        r#"{{{body},"fit_seconds":{seconds},"forecast":{:?},"lower":{:?},"upper":{:?}}}"#,
        f.mean, f.lower, f.upper
    );
    Ok(())
}
