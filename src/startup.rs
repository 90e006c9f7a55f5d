//! Builds the application: the database, the one route table, middleware.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::cookie::Key;
use actix_web::dev::Server;
use actix_web::error::{PathError, QueryPayloadError, UrlencodedError};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpRequest, HttpServer, web};
use sha2::{Digest, Sha512};
use tracing_actix_web::TracingLogger;

use crate::app::error::AppError;
use crate::config::Settings;
use crate::db::maintenance::Maintenance;
use crate::db::opening::{OpenError, prepare_database};
use crate::db::{self, Db, settings as db_settings};
use crate::domain::Invalid;
use crate::random;
use crate::secret::Secret;
use crate::web::hj212::Hj212Listener;
use crate::web::http::access_log::AccessSpan;
use crate::web::http::context::{PAGE_BODY_LIMIT, resolve};
use crate::web::http::cookies::Cookies;
use crate::web::http::render_errors::render_errors;
use crate::web::http::state::{AppState, WebConfig};
use crate::web::ui::portal::PORTAL_SESSION;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened and prepared.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// A query during start-up failed.
    #[error("database error during start-up: {0}")]
    Database(#[from] db::WriteError),
    /// The database threads could not be started.
    #[error("cannot start the database threads: {0}")]
    Threads(std::io::Error),
    /// The address cannot be listened on.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: String,
        /// Why.
        source: std::io::Error,
    },
}

/// The cookie key: from the configured secret, or from one generated on
/// first start and kept in the database so that every instance shares it.
fn cookie_key(db: &Db, secret: Option<&Secret>) -> Result<Key, StartError> {
    let material = match secret {
        Some(s) => s.expose().to_owned(),
        None => db.run_blocking(|conn| {
            db_settings::get_or_init(conn, "cookie_secret", random::token).map_err(db::WriteError::from)
        })?,
    };
    Ok(Key::from(&Sha512::digest(material.as_bytes())))
}

/// A running server and the port it listens on.
pub struct Application {
    port: u16,
    base_url: String,
    server: Server,
    hj212: Option<Hj212Listener>,
    /// When monitored nights are first evaluated, if this server does it.
    nights_first_run: Option<std::time::Duration>,
    /// Days monitor readings are kept before they are rolled up.
    readings_keep_days: u32,
    /// For the work besides HTTP: the HJ 212 listener, the nightly evaluation.
    db: Db,
    clock: crate::time::Clock,
}

impl Application {
    /// Prepares the database and binds the listener; call
    /// [`Application::run_until_stopped`] to serve.
    pub fn build(settings: Settings) -> Result<Self, StartError> {
        let (pool, _) = prepare_database(&settings.database)?;
        let manager = db::Manager::new(settings.database.url.clone(), settings.database.sqlite_sync);
        let replica = settings.database.replica.as_ref().map(|url| db::replica_pool(url, settings.database.pool));
        let db = Db::start(pool, manager, settings.database.pool, replica).map_err(StartError::Threads)?;
        let key = cookie_key(&db, settings.secret_key.as_ref())?;
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|source| StartError::Bind { address: settings.bind.clone(), source })?;
        let local =
            listener.local_addr().map_err(|source| StartError::Bind { address: settings.bind.clone(), source })?;
        let port = local.port();
        let base_url = if settings.base_url.is_empty() { format!("http://{local}") } else { settings.base_url.clone() };
        db.start_maintenance(Maintenance {
            session_idle: settings.session_idle,
            session_max: settings.session_max,
            portal_session: PORTAL_SESSION,
            anchors: settings.database.audit_anchors.clone(),
        });
        let hj212 = match &settings.hj212 {
            Some(hj212) => {
                let listener = Hj212Listener::bind(hj212.clone())
                    .map_err(|source| StartError::Bind { address: hj212.bind.clone(), source })?;
                Some(listener)
            }
            None => None,
        };
        let background = db.clone();
        let state = AppState {
            db,
            cookies: Cookies::new(key, settings.secure_cookies()),
            config: Arc::new(WebConfig {
                base_url: base_url.clone(),
                session_idle: settings.session_idle,
                session_max: settings.session_max,
                token_ttl: settings.token_ttl,
                trust_proxy: settings.trust_proxy,
                clock: settings.clock.clone(),
            }),
        };
        let server = run(listener, state, settings.workers)
            .map_err(|source| StartError::Bind { address: settings.bind.clone(), source })?;
        Ok(Self {
            port,
            base_url,
            server,
            hj212,
            db: background,
            clock: settings.clock.clone(),
            nights_first_run: settings.nights_first_run,
            readings_keep_days: settings.readings_keep_days,
        })
    }

    /// The address the HJ 212 listener is bound to, when it is on.
    pub fn hj212_address(&self) -> Option<std::net::SocketAddr> {
        self.hj212.as_ref().and_then(|listener| listener.local_addr().ok())
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The absolute URL the application is reached at.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Serves until the process is stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        use futures_util::future::{Either, FutureExt, pending, select};
        let nightly = crate::app::monitor_nights::run_nightly(
            self.db.clone(),
            self.clock.clone(),
            self.nights_first_run,
            self.readings_keep_days,
        )
        .map(Ok);
        let hj212 = match self.hj212 {
            Some(listener) => listener.serve(self.db, self.clock).left_future(),
            None => pending().right_future(),
        };
        let (nightly, hj212) = (std::pin::pin!(nightly), std::pin::pin!(hj212));
        let others = select(nightly, hj212).map(|either| match either {
            Either::Left((done, _)) | Either::Right((done, _)) => done,
        });
        match select(self.server, std::pin::pin!(others)).await {
            Either::Left((served, _)) | Either::Right((served, _)) => served,
        }
    }
}

/// Headers every answer carries unless it sets its own: pages and JSON hold
/// personal data, so nothing is kept by browsers or proxies (`no-store`;
/// the assets say otherwise themselves), and with an https base URL the
/// browser is told to use https only.
fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new().add((actix_web::http::header::CACHE_CONTROL, "no-store"));
    let headers =
        if https { headers.add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains")) } else { headers };
    headers
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
}

fn form_error(err: UrlencodedError, _: &HttpRequest) -> actix_web::Error {
    match err {
        UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge,
        UrlencodedError::ContentType => AppError::UnsupportedMediaType,
        other => {
            tracing::debug!(cause = %other, "unreadable form");
            AppError::BadRequest(Invalid::new("error.bad_form"))
        }
    }
    .into()
}

fn multipart_error(err: actix_multipart::MultipartError, _: &HttpRequest) -> actix_web::Error {
    match err {
        // A file over its field's limit (images: 2 MB) or the form's.
        actix_multipart::MultipartError::Payload(actix_web::error::PayloadError::Overflow) => AppError::PayloadTooLarge,
        actix_multipart::MultipartError::ContentTypeMissing
        | actix_multipart::MultipartError::ContentTypeParse
        | actix_multipart::MultipartError::ContentTypeIncompatible => AppError::UnsupportedMediaType,
        other => {
            tracing::debug!(cause = %other, "unreadable upload");
            AppError::BadRequest(Invalid::new("error.bad_form"))
        }
    }
    .into()
}

fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    tracing::debug!(cause = %err, "unreadable query");
    AppError::BadRequest(Invalid::new("error.bad_query")).into()
}

fn path_error(err: PathError, _: &HttpRequest) -> actix_web::Error {
    tracing::debug!(cause = %err, "path does not name a record");
    AppError::NotFound.into()
}

async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// The one route table (`web::routes`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    crate::web::routes::configure(cfg);
}

fn run(listener: TcpListener, state: AppState, workers: Option<usize>) -> std::io::Result<Server> {
    // Database work runs on the executor's threads. Each worker's blocking
    // threads do the rest (password hashing, report rendering, the intake
    // writer); more of them than pooled connections would only wait, each
    // holding its own stack and allocator cache.
    let worker_count = workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let pool_size = usize::try_from(state.db.pool_size()).unwrap_or(1);
    let blocking = pool_size.div_ceil(worker_count).max(2);
    let https = state.config.base_url.starts_with("https://");
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(resolve))
            .wrap(from_fn(render_errors))
            .wrap(security_headers(https))
            .wrap(TracingLogger::<AccessSpan>::new())
            .app_data(data.clone())
            .app_data(web::FormConfig::default().limit(PAGE_BODY_LIMIT).error_handler(form_error))
            .app_data(actix_multipart::form::MultipartFormConfig::default().error_handler(multipart_error))
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .configure(routes)
            .default_service(web::to(not_found))
    })
    .listen(listener)?;
    server = server.workers(worker_count).worker_max_blocking_threads(blocking);
    Ok(server.run())
}
