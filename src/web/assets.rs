//! The stylesheet and the one small script, embedded in the binary.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const APP_CSS: &str = include_str!("static/app.css");
const APP_JS: &str = include_str!("static/app.js");
const PRINT_CSS: &str = include_str!("static/print.css");

pub fn router() -> crate::web::routes::Routes {
    crate::web::routes::Routes::new()
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .route("/static/print.css", get(print_css))
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_JS,
    )
}

async fn print_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PRINT_CSS,
    )
}
