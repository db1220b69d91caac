//! The router with its list of paths: every module builds its routes through
//! [`Routes`], so the application can say which paths it serves
//! ([`crate::web::route_paths`]). The authorisation matrix and the CSRF tests walk that
//! list, so a route added anywhere is tested without anyone remembering to.

use axum::Router;
use axum::routing::MethodRouter;

use super::AppState;

/// An axum router and the paths it serves.
pub struct Routes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

impl Routes {
    pub fn new() -> Self {
        Routes {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    pub fn route(mut self, path: &'static str, method_router: MethodRouter<AppState>) -> Self {
        self.paths.push(path);
        self.router = self.router.route(path, method_router);
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }

    /// A layer on these routes only (a permission check, say).
    pub fn route_layer<L>(mut self, layer: L) -> Self
    where
        L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: tower::Service<axum::extract::Request> + Clone + Send + Sync + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Response:
            axum::response::IntoResponse + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Error:
            Into<std::convert::Infallible> + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Future: Send + 'static,
    {
        self.router = self.router.route_layer(layer);
        self
    }

    pub fn paths(&self) -> &[&'static str] {
        &self.paths
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_application_lists_every_path_it_serves() {
        let paths = crate::web::route_paths();
        for p in [
            "/",
            "/login",
            "/findings/{id}",
            "/issues/{id}/briefing.pdf",
            "/dashboards/pipeline/move",
            "/reports/jobs/{id}/download",
            "/api/v1/reports/portfolio",
            "/admin/audit",
        ] {
            assert!(paths.contains(&p), "{p} in {paths:?}");
        }
        assert!(paths.len() > 80, "{}", paths.len());
    }
}
