//! Administration: users, organisations and the audit log. Admins only; the
//! permission is checked by a route layer on the whole sub-router.

use axum::middleware::from_fn;

use super::context::require;
use crate::domain::role::Permission;

pub mod audit;
pub mod calendar;
pub mod orgs;
pub mod taxonomy;
pub mod users;

pub fn router() -> crate::web::routes::Routes {
    let accounts = crate::web::routes::Routes::new()
        .merge(users::router())
        .merge(orgs::router())
        .merge(taxonomy::router())
        .merge(calendar::router())
        .route_layer(from_fn(|req, next| {
            require(Permission::ManageAccounts, req, next)
        }));
    let audit = audit::router().route_layer(from_fn(|req, next| {
        require(Permission::ViewAuditLog, req, next)
    }));
    accounts.merge(audit)
}
