//! The command line: serve (default), migrate, demo, users, audit, render, privacy, data-key, backup.

pub mod demo;
pub mod scale;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use crate::config::{ConfigError, DatabaseArgs, DatabaseSettings, ServeArgs, Settings};
use crate::db::parties::Resealed;
use crate::db::{self, DbConn, audit, users};
use crate::domain::Invalid;
use crate::domain::account::{Role, Username, check_new_password, display_name};
use crate::domain::audit::Actor;
use crate::domain::language::Lang;
use crate::i18n::t_invalid;
use crate::startup::{Application, StartError, connect_migrated, prepare_database, seal_all};
use crate::{passwords, telemetry};

/// Hesheng (和声): records and documents of community mediation.
#[derive(Debug, Parser)]
#[command(name = "hesheng", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the server (applies pending migrations first); the default
    Serve(ServeArgs),
    /// Apply pending migrations and exit
    Migrate(DatabaseArgs),
    /// Load the demo data: the choir case from complaint to follow-up, and three other cases
    Demo {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Also generate this many synthetic cases (for measuring at scale)
        #[arg(long)]
        scale: Option<usize>,
        /// Seed of the synthetic cases
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Manage users
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Check the audit chain
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write one document as PDF
    Render {
        /// application, acceptance, rights_notice, investigation, session_record, agreement,
        /// oral_agreement, follow_up, confirmation_application or volume
        kind: String,
        /// The case's id
        id: i64,
        /// Where to write the PDF
        #[arg(short, long)]
        output: PathBuf,
        /// Base URL printed in QR codes
        #[arg(long, env = "HESHENG_BASE_URL", default_value = "http://127.0.0.1:8080")]
        base_url: String,
        /// Language of the document (default: the committee's)
        #[arg(long)]
        lang: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Personal data past the retention period
    Privacy {
        #[command(subcommand)]
        command: PrivacyCommand,
    },
    /// The key sealing phone and identity numbers
    DataKey {
        #[command(subcommand)]
        command: DataKeyCommand,
    },
    /// The ready-to-serve case views stored with the cases
    Views {
        #[command(subcommand)]
        command: ViewsCommand,
    },
    /// Write a consistent copy of a live SQLite database to PATH
    Backup {
        /// Where to write the copy (must not exist)
        path: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Create a user; the password is read from standard input
    Add {
        /// Sign-in name
        name: String,
        /// admin, mediator, grid_worker or staff
        #[arg(long)]
        role: String,
        /// Committee id
        #[arg(long, default_value_t = 1)]
        committee: i64,
        /// Name shown on screens and documents (default: NAME)
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required)
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum PrivacyCommand {
    /// Anonymise now the parties past their committee's retention period (the server does it daily)
    Anonymise {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum DataKeyCommand {
    /// Print a new random key (for HESHENG_DATA_KEY or a key file)
    New,
    /// Seal every phone and identity number under the current key, so that older keys can be dropped
    Reseal {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ViewsCommand {
    /// Store the view of every case that lacks a current one (after an upgrade, or ahead of traffic)
    Build {
        /// Language of the views (default: zh-CN; others are stored as they are first read)
        #[arg(long)]
        lang: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the keyed audit chain, its anchors, and every frozen agreement, archived document and follow-up against it; exit 1 naming the first fault
    Verify {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Anchor the chains' heads in the anchor file now (the server does it every ten minutes)
    Anchor {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// A command failed; `usage` errors exit with 2, others with 1.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Config(_) | CliError::Usage(_) => ExitCode::from(2),
            CliError::Start(_) | CliError::Failed(_) => ExitCode::from(1),
        }
    }
}

impl From<diesel::result::Error> for CliError {
    fn from(e: diesel::result::Error) -> Self {
        CliError::Failed(format!("database error: {e}"))
    }
}

impl From<r2d2::Error> for CliError {
    fn from(e: r2d2::Error) -> Self {
        CliError::Failed(format!("no database connection: {e}"))
    }
}

/// Parses the command line and runs the command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let serving = matches!(cli.command, None | Some(Command::Serve(_)));
    telemetry::init(if serving { "info" } else { "warn" });
    let result = match cli.command {
        None => serve(&cli.serve),
        Some(Command::Serve(args)) => serve(&args),
        Some(Command::Migrate(args)) => migrate(&args),
        Some(Command::Demo { database, scale, seed }) => demo(&database, scale, seed),
        Some(Command::Users { command: UsersCommand::Add { name, role, committee, display_name, database, .. } }) => {
            add_user(&database, &name, &role, committee, display_name.as_deref())
        }
        Some(Command::Audit { command: AuditCommand::Verify { database } }) => verify_audit(&database),
        Some(Command::Audit { command: AuditCommand::Anchor { database } }) => anchor_audit(&database),
        Some(Command::Backup { path, database }) => backup(&database, &path),
        Some(Command::Views { command: ViewsCommand::Build { lang, database } }) => {
            build_views(&database, lang.as_deref())
        }
        Some(Command::Privacy { command: PrivacyCommand::Anonymise { database } }) => anonymise(&database),
        Some(Command::DataKey { command: DataKeyCommand::New }) => {
            println!("{}", crate::data_key::Keyring::generate());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::DataKey { command: DataKeyCommand::Reseal { database } }) => reseal(&database),
        Some(Command::Render { kind, id, output, base_url, lang, database }) => {
            render(&database, &kind, id, &output, &base_url, lang.as_deref())
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
    }
}

fn serve(args: &ServeArgs) -> Result<ExitCode, CliError> {
    let settings = Settings::from_args(args)?;
    let backend = settings.database.url.backend();
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)?;
        tracing::info!(backend = backend.as_str(), "Hesheng serving on {}", app.base_url());
        app.run_until_stopped().await.map_err(|e| CliError::Failed(format!("server stopped: {e}")))?;
        Ok(ExitCode::SUCCESS)
    })
}

fn open(args: &DatabaseArgs) -> Result<db::PooledConn, CliError> {
    Ok(open_with_settings(args)?.0)
}

/// One connection, the database migrated and the data key installed (see
/// `startup::prepare_database`); with what a first pass under a new key
/// sealed.
fn open_with_settings(args: &DatabaseArgs) -> Result<(db::PooledConn, Option<Resealed>), CliError> {
    let (pool, resealed) = prepare_database(&single(args)?)?;
    Ok((pool.get()?, resealed))
}

/// The database settings of a command: one connection. A larger pool would
/// open more in the background, and one still connecting when the command
/// exits races with the TLS library's clean-up at exit.
fn single(args: &DatabaseArgs) -> Result<DatabaseSettings, CliError> {
    let mut settings = DatabaseSettings::from_args(args)?;
    settings.pool.max_size = 1;
    Ok(settings)
}

fn migrate(args: &DatabaseArgs) -> Result<ExitCode, CliError> {
    // prepare_database applies the migrations; values stored before
    // sealing are sealed.
    open(args)?;
    println!("migrations up to date");
    Ok(ExitCode::SUCCESS)
}

/// The operator's language for messages from the domain (LANG), else English.
fn operator_lang() -> Lang {
    std::env::var("LANG").ok().and_then(|l| Lang::negotiate(&l)).unwrap_or(Lang::En)
}

fn refused(field: &str, invalid: &Invalid) -> CliError {
    CliError::Usage(format!("{field}: {}", t_invalid(operator_lang(), invalid)))
}

fn add_user(
    args: &DatabaseArgs,
    name: &str,
    role: &str,
    committee: i64,
    shown: Option<&str>,
) -> Result<ExitCode, CliError> {
    let username = Username::parse(name).map_err(|e| refused("NAME", &e))?;
    let role = Role::parse(role).map_err(|e| refused("--role", &e))?;
    let display_name = display_name(shown.unwrap_or(name)).map_err(|e| refused("--display-name", &e))?;
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|e| CliError::Usage(format!("cannot read the password from standard input: {e}")))?;
    let password = password.strip_suffix('\n').map(|p| p.strip_suffix('\r').unwrap_or(p)).unwrap_or(&password);
    check_new_password(password, username.as_str()).map_err(|e| refused("password", &e))?;
    let password_hash = passwords::hash(password).map_err(|e| CliError::Failed(e.to_string()))?;
    let mut conn = open(args)?;
    let new = users::NewUser { committee_id: committee, username: username.clone(), display_name, role, password_hash };
    let id = users::create(&mut conn, &Actor::cli(), &new).map_err(|e| match e {
        users::CreateUserError::UsernameTaken => CliError::Usage(format!("the username {username} is taken")),
        users::CreateUserError::NoSuchCommittee => CliError::Usage(format!("there is no committee {committee}")),
        users::CreateUserError::Db(e) => CliError::from(e),
    })?;
    println!("created user {username} (id {id}, role {role}, committee {committee})");
    Ok(ExitCode::SUCCESS)
}

fn demo(args: &DatabaseArgs, scale: Option<usize>, seed: u64) -> Result<ExitCode, CliError> {
    let mut conn = open(args)?;
    match crate::cli::demo::load(&mut conn).map_err(|e| CliError::Failed(e.to_string()))? {
        crate::cli::demo::Loaded::Now { choir_case, memorandum } => {
            println!("demo loaded: the choir case is case {choir_case}, its memorandum agreement {memorandum}");
        }
        crate::cli::demo::Loaded::Already => println!("demo already loaded; nothing added"),
    }
    if let Some(n) = scale.filter(|n| *n > 0) {
        let committee = crate::db::committees::find(&mut conn, 1).map_err(CliError::from)?;
        let started = std::time::Instant::now();
        let mut last = std::time::Instant::now();
        let mut report = |done: usize| {
            if last.elapsed().as_secs() >= 5 || done == n {
                eprintln!("{done} / {n} synthetic cases ({:.0} s)", started.elapsed().as_secs_f64());
                last = std::time::Instant::now();
            }
        };
        let made =
            crate::cli::scale::generate(&mut conn, &committee, n, seed, chrono::Utc::now().naive_utc(), &mut report)
                .map_err(|e| CliError::Failed(format!("{e:?}")))?;
        println!(
            "generated {} cases, {} complaints and {} agreements (seed {seed}) in {:.1} s",
            made.cases,
            made.complaints,
            made.agreements,
            started.elapsed().as_secs_f64()
        );
    }
    println!(
        "sign in as wang.mediator (mediator), li.grid (grid worker), zhao.staff (staff) or demo.admin (admin) with the password \"{}\"",
        crate::cli::demo::DEMO_PASSWORD
    );
    Ok(ExitCode::SUCCESS)
}

fn anonymise(args: &DatabaseArgs) -> Result<ExitCode, CliError> {
    let mut conn = open(args)?;
    let done = db::privacy::anonymise_expired(&mut conn, chrono::Utc::now().naive_utc())?;
    println!(
        "anonymised {} parties past their committee's retention period: {} agreement snapshots and {} signatures \
         without them, {} archived documents erased (hashes kept), {} print batches dropped",
        done.parties, done.agreements, done.signatures, done.documents, done.print_jobs
    );
    Ok(ExitCode::SUCCESS)
}

fn reseal(args: &DatabaseArgs) -> Result<ExitCode, CliError> {
    // Opening checks the keys and seals what the current key has not sealed
    // yet (values written by an instance still on the old key included).
    // When the database was on another key, that was a full pass already.
    let (mut conn, prepared) = open_with_settings(args)?;
    let ring = crate::data_key::installed().map_err(|e| CliError::Failed(e.to_string()))?;
    let resealed = match prepared {
        Some(resealed) => resealed,
        None => seal_all(&mut conn, &ring)?,
    };
    println!(
        "sealed under data key {}: {} phone and {} identity numbers anew, {} stored case views dropped; keys {} no longer needed",
        ring.current_id(),
        resealed.phones,
        resealed.id_numbers,
        resealed.views,
        match ring.ids().get(1..) {
            Some(old) if !old.is_empty() => old.join(", "),
            _ => "(none)".to_owned(),
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn build_views(args: &DatabaseArgs, lang: Option<&str>) -> Result<ExitCode, CliError> {
    let lang = match lang {
        None => Lang::ZhCn,
        Some(code) => Lang::parse(code).map_err(|_| CliError::Usage(format!("unknown language {code:?}")))?,
    };
    let mut conn = open(args)?;
    let started = std::time::Instant::now();
    let stored = crate::app::case_view::store_missing_views(&mut conn, lang, |n| {
        eprint!("\rstored {n} case views");
    })
    .map_err(|e| CliError::Failed(e.to_string()))?;
    eprintln!();
    println!("stored {stored} case views ({lang}) in {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

fn verify_audit(args: &DatabaseArgs) -> Result<ExitCode, CliError> {
    let settings = single(args)?;
    let mut conn = open(args)?;
    let ring = crate::data_key::installed().map_err(|e| CliError::Failed(e.to_string()))?;
    let failed = |what: String| {
        println!("FAILED: {what}");
        Ok(ExitCode::from(1))
    };
    let count = match audit::verify_keyed(&mut conn, &ring)? {
        Ok(count) => count,
        Err(fault) => return failed(fault.to_string()),
    };
    let anchors = match db::anchors::check(&mut conn, &settings.audit_anchors, &ring)? {
        Ok(n) => n,
        Err(fault) => return failed(fault),
    };
    // Frozen snapshots change only with an anonymisation the chain records.
    let unmatched = db::privacy::unmatched_snapshots(&mut conn)?;
    if let Some(id) = unmatched.first() {
        return failed(format!(
            "agreement {id}: its frozen content matches neither the hash it took effect with \
             nor an anonymisation recorded in the audit chain ({} agreements in all)",
            unmatched.len()
        ));
    }
    let findings = db::integrity::check(&mut conn)?;
    if let Some(first) = findings.first() {
        return failed(format!("{first} ({} findings in all)", findings.len()));
    }
    println!("ok {count} events");
    if anchors == 0 {
        eprintln!(
            "note: no anchors in {} — events cut from the end of a chain cannot be told apart from events never written",
            settings.audit_anchors.display()
        );
    } else {
        eprintln!("{anchors} anchors in {} found in the chain", settings.audit_anchors.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn anchor_audit(args: &DatabaseArgs) -> Result<ExitCode, CliError> {
    let settings = single(args)?;
    let mut conn = open(args)?;
    let ring = crate::data_key::installed().map_err(|e| CliError::Failed(e.to_string()))?;
    let fresh = db::anchors::unanchored(&settings.audit_anchors, db::anchors::heads(&mut conn)?);
    let written = db::anchors::append(&settings.audit_anchors, &ring, &fresh, chrono::Utc::now().naive_utc())
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", settings.audit_anchors.display())))?;
    println!("anchored {written} chain heads in {}", settings.audit_anchors.display());
    Ok(ExitCode::SUCCESS)
}

fn render(
    args: &DatabaseArgs,
    kind: &str,
    case_id: i64,
    output: &std::path::Path,
    base_url: &str,
    lang: Option<&str>,
) -> Result<ExitCode, CliError> {
    let lang = lang.map(Lang::parse).transpose().map_err(|e| refused("--lang", &e))?;
    let kind = crate::app::documents::Kind::parse(kind).ok_or_else(|| {
        let kinds: Vec<&str> = crate::app::documents::Kind::ALL.iter().map(|k| k.code()).collect();
        CliError::Usage(format!("unknown document kind {kind:?}; one of {}", kinds.join(", ")))
    })?;
    let mut conn = open(args)?;
    let settings = crate::app::documents::PrintSettings { base_url: base_url.to_owned(), lang, full_phones: true };
    let committee_id = {
        use crate::db::schema::mediation_case;
        use diesel::prelude::*;
        mediation_case::table
            .find(case_id)
            .select(mediation_case::committee_id)
            .first::<i64>(&mut conn)
            .optional()?
            .ok_or_else(|| CliError::Failed(format!("there is no case {case_id}")))?
    };
    let rendered =
        crate::app::documents::render_case_document(&mut conn, committee_id, case_id, kind, &settings, &Actor::cli())
            .map_err(|e| match e {
            crate::app::documents::PrintError::NotFound => CliError::Failed(format!("there is no case {case_id}")),
            crate::app::documents::PrintError::NotApplicable => {
                CliError::Failed(format!("case {case_id} has no {} (yet)", kind.code()))
            }
            other => CliError::Failed(other.to_string()),
        })?;
    std::fs::write(output, &rendered.bytes)
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", output.display())))?;
    println!("wrote {} ({} pages, {} bytes)", output.display(), rendered.pages, rendered.bytes.len());
    Ok(ExitCode::SUCCESS)
}

fn backup(args: &DatabaseArgs, path: &std::path::Path) -> Result<ExitCode, CliError> {
    // A copy needs no data key: it opens no personal data and writes nothing.
    let mut conn = connect_migrated(&single(args)?)?.get()?;
    let DbConn::Sqlite(sqlite) = &mut *conn else {
        return Err(CliError::Usage(
            "backup copies SQLite databases; for PostgreSQL use pg_dump (e.g. pg_dump -Fc -f hesheng.dump \"$DATABASE_URL\")".into(),
        ));
    };
    if path.exists() {
        return Err(CliError::Usage(format!("{} exists; choose a new file", path.display())));
    }
    let target = path.to_str().ok_or_else(|| CliError::Usage("the backup path is not valid UTF-8".into()))?;
    // VACUUM INTO reads one consistent snapshot while the server keeps writing.
    diesel::sql_query("VACUUM INTO ?").bind::<Text, _>(target).execute(sqlite)?;
    println!("backup written to {}", path.display());
    Ok(ExitCode::SUCCESS)
}
