//! The command line: serve (default), migrate, demo, users, audit, render, privacy, data-key, backup.

mod maintenance;

use maintenance::*;

pub mod demo;

pub mod scale;

mod monitor;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use crate::app::error::AppError;
use crate::app::users::insert_account;
use crate::config::{ConfigError, DatabaseArgs, DatabaseSettings, ServeArgs, Settings};
use crate::db::opening::{OpenError, open_one, open_one_without_key, seal_all};
use crate::db::parties::Resealed;
use crate::db::{self, DbConn, audit};
use crate::domain::Invalid;
use crate::domain::audit::Actor;
use crate::domain::commands::admin::AccountFields;
use crate::domain::language::Lang;
use crate::i18n::t_invalid;
use crate::startup::{Application, StartError};
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
        /// Connections writing the synthetic cases on PostgreSQL: 2 writes
        /// each batch's complaints on the second while the next batch is
        /// written; 1 writes each batch whole in one transaction
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=2))]
        connections: u32,
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
    /// The report's daily roll-up
    Reports {
        #[command(subcommand)]
        command: ReportsCommand,
    },
    /// Noise monitors
    Monitor {
        #[command(subcommand)]
        command: MonitorCommand,
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
enum MonitorCommand {
    /// Evaluate the nights of every agreement a monitor checks, now (the server does it every hour)
    Evaluate {
        /// The evening date of the night (default: each committee's last seven complete nights)
        #[arg(long)]
        night: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Roll up monitor readings older than the retention into hourly rows and remove them, and pack closed hours (the server does it every hour)
    RollUp {
        /// Days readings are kept as they came (at least 90)
        #[arg(long, env = "HESHENG_READINGS_KEEP_DAYS", default_value_t = crate::db::monitor_readings::KEEP_DAYS_DEFAULT)]
        keep_days: u32,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Play a noise monitor over HJ 212 TCP (or HTTP) against a running server: minute uploads of the last minutes
    Simulate {
        /// The server's HJ 212 listener, HOST:PORT
        #[arg(long, default_value = "127.0.0.1:9212")]
        hj212: String,
        /// Send over HTTP instead, to this server (http://HOST:PORT)
        #[arg(long)]
        http: Option<String>,
        /// Over HTTP: the monitor's id
        #[arg(long, default_value_t = 1)]
        monitor_id: i64,
        /// Over HTTP: the device token (which may begin with a hyphen)
        #[arg(long, default_value = "demo-monitor-token-dh64-0001", allow_hyphen_values = true)]
        token: String,
        /// The device's identity (MN)
        #[arg(long, default_value = "DH64-0001")]
        mn: String,
        /// The device's HJ 212 password
        #[arg(long, default_value = "123456", allow_hyphen_values = true)]
        password: String,
        /// Minute uploads to send, the last for the minute before now
        #[arg(long, default_value_t = 60)]
        minutes: u32,
        /// Connections to send them over at once
        #[arg(long, default_value_t = 1)]
        connections: u32,
        /// L_Aeq of the uploads, dB(A)
        #[arg(long, default_value_t = 54.0)]
        level: f64,
        /// The device clock's offset east of UTC, minutes
        #[arg(long, default_value_t = 480, allow_hyphen_values = true)]
        offset_minutes: i32,
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
        /// Connections building views at once (each takes the next batch of cases)
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
        jobs: u32,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ReportsCommand {
    /// Count the report's daily roll-up anew from the records (after a restore or an import made outside the application)
    Rebuild {
        /// Only this committee's rows
        #[arg(long)]
        committee: Option<i64>,
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
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Config(_) | CliError::Usage(_) => ExitCode::from(2),
            CliError::Start(_) | CliError::Open(_) | CliError::Failed(_) => ExitCode::from(1),
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
        Some(Command::Demo { database, scale, seed, connections }) => demo(&database, scale, seed, connections),
        Some(Command::Users { command: UsersCommand::Add { name, role, committee, display_name, database, .. } }) => {
            add_user(&database, &name, &role, committee, display_name.as_deref())
        }
        Some(Command::Audit { command: AuditCommand::Verify { database } }) => verify_audit(&database),
        Some(Command::Audit { command: AuditCommand::Anchor { database } }) => anchor_audit(&database),
        Some(Command::Backup { path, database }) => backup(&database, &path),
        Some(Command::Monitor { command: MonitorCommand::Evaluate { night, database } }) => {
            monitor::evaluate(&database, night.as_deref())
        }
        Some(Command::Monitor { command: MonitorCommand::RollUp { keep_days, database } }) => {
            monitor::roll_up(&database, keep_days)
        }
        Some(Command::Monitor {
            command:
                MonitorCommand::Simulate {
                    hj212,
                    http,
                    monitor_id,
                    token,
                    mn,
                    password,
                    minutes,
                    connections,
                    level,
                    offset_minutes,
                },
        }) => monitor::simulate(&monitor::Simulation {
            address: hj212,
            http: http.map(|base| (base, monitor_id, token)),
            mn,
            password,
            minutes,
            connections,
            level_db: level,
            offset_minutes,
        }),
        Some(Command::Views { command: ViewsCommand::Build { lang, jobs, database } }) => {
            build_views(&database, lang.as_deref(), jobs)
        }
        Some(Command::Privacy { command: PrivacyCommand::Anonymise { database } }) => anonymise(&database),
        Some(Command::Reports { command: ReportsCommand::Rebuild { committee, database } }) => {
            rebuild_reports(&database, committee)
        }
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
/// `db::opening::prepare_database`); with what a first pass under a new key
/// sealed.
fn open_with_settings(args: &DatabaseArgs) -> Result<(db::PooledConn, Option<Resealed>), CliError> {
    Ok(open_one(&single(args)?)?)
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
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|e| CliError::Usage(format!("cannot read the password from standard input: {e}")))?;
    let password = password.strip_suffix('\n').map(|p| p.strip_suffix('\r').unwrap_or(p)).unwrap_or(&password);
    let fields = AccountFields {
        username: name.to_owned(),
        display_name: shown.map(str::to_owned),
        role: role.to_owned(),
        password: password.to_owned(),
        committee_id: Some(committee),
    };
    let account = fields.parse().map_err(|refused_fields| {
        let lang = operator_lang();
        let named = |field: &str| match field {
            "username" => "NAME".to_owned(),
            "role" => "--role".to_owned(),
            "display_name" => "--display-name".to_owned(),
            other => other.to_owned(),
        };
        let lines: Vec<String> =
            refused_fields.0.iter().map(|e| format!("{}: {}", named(&e.field), t_invalid(lang, &e.problem))).collect();
        CliError::Usage(lines.join("; "))
    })?;
    let password_hash = passwords::hash(&account.password).map_err(|e| CliError::Failed(e.to_string()))?;
    let mut conn = open(args)?;
    let (username, role) = (account.username.clone(), account.role);
    let id = match insert_account(&mut conn, &Actor::cli(), committee, account, password_hash) {
        Ok(user) => user.id,
        Err(AppError::Conflict { .. }) => return Err(CliError::Usage(format!("the username {username} is taken"))),
        Err(AppError::Validation(_)) => return Err(CliError::Usage(format!("there is no committee {committee}"))),
        Err(other) => return Err(CliError::Failed(format!("{other:#}"))),
    };
    println!("created user {username} (id {id}, role {role}, committee {committee})");
    Ok(ExitCode::SUCCESS)
}

fn demo(args: &DatabaseArgs, scale: Option<usize>, seed: u64, connections: u32) -> Result<ExitCode, CliError> {
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
        // On PostgreSQL the complaints are written on a second connection
        // unless --connections 1.
        let mut beside =
            if connections > 1 && conn.backend() == db::Backend::Postgres { Some(open(args)?) } else { None };
        let made = crate::cli::scale::generate_with(
            &mut conn,
            beside.as_deref_mut(),
            &committee,
            n,
            seed,
            chrono::Utc::now().naive_utc(),
            &mut report,
        )
        .map_err(|e| CliError::Failed(format!("{e:?}")))?;
        println!(
            "generated {} cases, {} complaints and {} agreements (seed {seed}) in {:.1} s",
            made.cases,
            made.complaints,
            made.agreements,
            started.elapsed().as_secs_f64()
        );
        println!("phases: {}", made.phases);
    }
    println!(
        "sign in as wang.mediator (mediator), li.grid (grid worker), zhao.staff (staff) or demo.admin (admin) with the password \"{}\"",
        crate::cli::demo::DEMO_PASSWORD
    );
    Ok(ExitCode::SUCCESS)
}
