//! The `hamkke` binary: serve the API, run migrations, print the contract, bootstrap data.

mod seed;

/// mimalloc instead of glibc's allocator: measured on the case read and the duplicate check
/// (bench/RESULTS.md, "The allocator"), PostgreSQL 1.12× and 1.08× in interleaved rounds,
/// SQLite within noise.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Read;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use hamkke_http::auth::JwtKeys;
use hamkke_http::db::DbHandle;
use hamkke_http::{AppState, Config};
use hamkke_persistence::{migrate, Db};

/// 함께 (hamkke): joint welfare case management API.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Create a system administrator in the built-in system organization.
    CreateAdmin {
        #[arg(long)]
        username: String,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, default_value = "System administrator")]
        display_name: String,
    },
    /// Create demo district 11440 with its organizations and one user per role; prints the
    /// generated passwords once.
    SeedDemo,
    /// Load the standard benefit types (연말 난방유, 연탄, 김장김치, …, with default duplicate
    /// policies) into a district's catalogue; codes the district already has are left as they
    /// are, so running it again adds nothing.
    SeedBenefitTypes {
        /// The district, e.g. 11440.
        #[arg(long)]
        district_code: String,
    },
    /// Compare the persons of a district (or of every district) for possible duplicates and
    /// queue the pairs for the coordinators' review; prints what it did, how long it took and
    /// the peak memory.
    ScanDuplicates {
        /// The district, e.g. 11440; all districts when absent.
        #[arg(long)]
        district_code: Option<String>,
    },
    /// Copy the running embedded database into FILE as one consistent snapshot (SQLite only;
    /// PostgreSQL: pg_dump or point-in-time recovery).
    Backup {
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Restore a backup into the embedded database of a stopped server, after verifying the
    /// file's integrity, migrations and audit chain; the replaced database is kept beside it.
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// Audit trail operations.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Anonymise persons inactive for the retention period and purge audit events past their
    /// retention (see README); the run is audited.
    Retention {
        /// Count what would be done, change nothing (the dry run is audited too).
        #[arg(long)]
        dry_run: bool,
    },
    /// Re-encrypt every RRN and recompute its lookup hash under the current keys
    /// (HAMKKE_DATA_KEY, HAMKKE_LOOKUP_KEY), reading with the previous ones
    /// (HAMKKE_DATA_KEY_PREVIOUS, HAMKKE_LOOKUP_KEY_PREVIOUS); servers keep running. See README.
    RotateKeys,
    /// Import an allocation list (CSV in UTF-8 or CP949, or XLSX; see README) as a user, with a
    /// progress bar. Rows are independent and re-importing a file imports nothing twice.
    ImportAllocations {
        /// The CSV or XLSX file (by its extension).
        file: std::path::PathBuf,
        /// The user the allocations are recorded as (its organization is the provider).
        #[arg(long = "as")]
        as_user: String,
        /// Check every row without recording anything.
        #[arg(long)]
        dry_run: bool,
        /// Register a person from a row when no registered person matches.
        #[arg(long)]
        register_missing: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Seal pending events, then recompute the whole hash chain; exits 1 if it is broken.
    Verify,
}

/// Logs for people and for machines: coloured, readable lines when standard error is a
/// terminal, JSON otherwise; `HAMKKE_LOG_FORMAT=pretty|json` decides. `HAMKKE_LOG` filters.
fn init_tracing() {
    use std::io::IsTerminal;
    use tracing_subscriber::{fmt, EnvFilter};
    let filter = EnvFilter::try_from_env("HAMKKE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let pretty = match std::env::var("HAMKKE_LOG_FORMAT").as_deref() {
        Ok("pretty") => true,
        Ok("json") => false,
        _ => std::io::stderr().is_terminal(),
    };
    if pretty {
        fmt()
            .with_env_filter(filter)
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .init();
    } else {
        fmt()
            .json()
            .with_env_filter(filter)
            .with_current_span(false)
            .with_writer(std::io::stderr)
            .init();
    }
}

/// What a new installation needs to hear once: where its database is and the first steps.
fn first_steps(path: &std::path::Path, bind: &str) {
    let host = bind.replace("0.0.0.0", "localhost");
    eprintln!(
        "\n함께 (hamkke): 새 내장 데이터베이스를 만들었습니다 — created a new embedded database at {}\n\
         처음 할 일 (first steps):\n\
         \x20 1. 관리자 만들기 (create an administrator): hamkke create-admin --username admin --password-stdin\n\
         \x20    또는 시연용 구 전체 (or a whole demo district): hamkke seed-demo\n\
         \x20 2. API 문서 (API docs): http://{host}/docs/\n\
         \x20    현황판 (coordinator dashboard): http://{host}/dashboard/\n\
         \x20 3. 백업 (backups): hamkke backup --to FILE (서버 실행 중에도 / while running)\n",
        path.display()
    );
}

fn open_db(config: &Config) -> anyhow::Result<Db> {
    open_db_with(config, true)
}

/// `open_db`; with `autocheckpoint` false the SQLite log is left to the server's checkpoint job.
fn open_db_with(config: &Config, autocheckpoint: bool) -> anyhow::Result<Db> {
    let db = Db::connect_with(
        &config.database_url,
        config.db_pool_size,
        Duration::from_secs(config.db_timeout_secs),
        autocheckpoint,
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot open the database ({}): {e}",
            config.backend().as_str()
        )
    })?;
    let mut conn = db
        .get()
        .map_err(|e| anyhow::anyhow!("cannot connect: {e}"))?;
    let applied = migrate::run(&mut conn).map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
    if applied > 0 {
        tracing::info!(applied, "migrations applied");
    }
    Ok(db)
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        let doc = hamkke_http::openapi();
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    init_tracing();
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Migrate => open_db(&config).map(|_| ()),
        Command::Openapi => Ok(()),
        Command::CreateAdmin {
            username,
            password_stdin,
            display_name,
        } => {
            if !password_stdin {
                bail!("pass --password-stdin and the password on standard input");
            }
            let mut input = String::new();
            std::io::stdin()
                .read_to_string(&mut input)
                .context("reading the password")?;
            let password = input.lines().next().unwrap_or_default().to_owned();
            let db = open_db(&config)?;
            let user = seed::create_admin(&db, &username, &display_name, &password)?;
            println!("created system_admin {} ({})", user.username, user.id);
            Ok(())
        }
        Command::SeedDemo => {
            let db = open_db(&config)?;
            seed::demo(&db)?;
            seed::benefit_types(&db, "11440")
        }
        Command::SeedBenefitTypes { district_code } => {
            let db = open_db(&config)?;
            seed::benefit_types(&db, &district_code)
        }
        Command::Backup { to } => {
            let db = open_db(&config)?;
            let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
            let report = hamkke_persistence::backup::backup(&mut conn, &to)?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        Command::Restore { from } => {
            if config.backend() != hamkke_persistence::conn::Backend::Sqlite {
                anyhow::bail!("{}", hamkke_persistence::backup::BackupError::NotSqlite);
            }
            let path = hamkke_persistence::conn::sqlite_path(&config.database_url);
            let report = hamkke_persistence::backup::restore(&from, &path)?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        Command::ScanDuplicates { district_code } => {
            let db = open_db(&config)?;
            let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
            let districts = match district_code {
                Some(d) => vec![d],
                None => hamkke_persistence::repo::identity::districts(&mut conn)
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            };
            for d in districts {
                let started = std::time::Instant::now();
                let r =
                    hamkke_persistence::repo::identity::scan(&mut conn, &d, hamkke_domain::today())
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "{}",
                    serde_json::json!({
                        "district_code": d,
                        "persons": r.persons,
                        "blocks": r.blocks,
                        "comparisons": r.comparisons,
                        "pairs": r.pairs,
                        "open_pairs": r.queued,
                        "seconds": started.elapsed().as_secs_f64(),
                        "peak_rss_mb": peak_rss_mb(),
                    })
                );
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let db = open_db(&config)?;
            let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
            while hamkke_persistence::audit::seal_pending(&mut conn, 500)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                > 0
            {}
            let r =
                hamkke_persistence::audit::verify(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
            let ok = r.first_broken_seq.is_none();
            println!(
                "{}",
                serde_json::json!({ "ok": ok, "checked": r.checked, "first_broken_id": r.first_broken_id, "first_broken_seq": r.first_broken_seq, "unsealed": r.unsealed })
            );
            if !ok {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Retention { dry_run } => {
            let db = open_db(&config)?;
            let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
            let ctx = hamkke_persistence::audit::AuditCtx {
                request_id: Some("cli:retention".into()),
                ..Default::default()
            };
            let report = hamkke_persistence::retention::run(
                &mut conn,
                &ctx,
                config.retention,
                dry_run,
                chrono::Utc::now(),
            )
            .map_err(|e| anyhow::anyhow!("retention failed: {e}"))?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        Command::RotateKeys => {
            let db = open_db(&config)?;
            let keys = hamkke_http::secrets::person_keys(&config)?;
            if !keys.rotating() {
                anyhow::bail!(
                    "set HAMKKE_DATA_KEY_PREVIOUS and HAMKKE_LOOKUP_KEY_PREVIOUS to the keys being replaced"
                );
            }
            let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
            let ctx = hamkke_persistence::audit::AuditCtx {
                request_id: Some("cli:rotate-keys".into()),
                ..Default::default()
            };
            let report =
                hamkke_persistence::rotation::rotate_all(&mut conn, &ctx, &keys, 500, |r| {
                    eprintln!(
                        "rotated {} · already current {}",
                        r.rotated, r.already_current
                    );
                })
                .map_err(|e| anyhow::anyhow!("rotation failed: {e}"))?;
            println!("{}", serde_json::to_string(&report)?);
            if report.unreadable > 0 {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::ImportAllocations {
            file,
            as_user,
            dry_run,
            register_missing,
        } => {
            let db = open_db(&config)?;
            let keys = hamkke_http::secrets::person_keys(&config)?;
            let opts = hamkke_http::import::ImportOptions {
                dry_run,
                register_missing,
                granted_on: config.granted_on,
                strong_score: config.duplicate_strong_score,
            };
            import_file(&db, &keys, &file, &as_user, opts)
        }
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    // The embedded database is this server's alone while it runs (restore checks it).
    let sqlite = (config.backend() == hamkke_persistence::conn::Backend::Sqlite)
        .then(|| hamkke_persistence::conn::sqlite_path(&config.database_url));
    let fresh = sqlite.as_ref().is_some_and(|p| !p.exists());
    let _lock = match &sqlite {
        Some(p) => {
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                hamkke_persistence::conn::create_private_dir(dir)?;
            }
            Some(hamkke_persistence::backup::hold_lock(p)?)
        }
        None => None,
    };
    let checkpoint_every = (sqlite.is_some() && config.sqlite_checkpoint_ms > 0)
        .then(|| Duration::from_millis(config.sqlite_checkpoint_ms));
    let db = open_db_with(&config, checkpoint_every.is_none())?;
    if let (true, Some(path)) = (fresh, &sqlite) {
        first_steps(path, &config.bind);
    }
    let jwt = JwtKeys::from_config(&config)?;
    let person_keys = hamkke_http::secrets::person_keys(&config)?;
    let bind = config.bind.clone();
    let workers = config.worker_count();
    let blocking_per_worker = config.blocking_threads_per_worker(workers);
    let seal_every = Duration::from_millis(config.seal_interval_ms);
    let tally_every = Duration::from_millis(config.tally_interval_ms);
    let reports = hamkke_http::db::report_pool(&config)
        .map_err(|e| anyhow::anyhow!("cannot open the report pool: {e}"))?;
    let handle = DbHandle::with_batches(db, config.audit_batch)
        .with_report_pool(reports)
        .with_inline_reads(config.inline_reads());
    let metrics_bind = config.metrics_bind.clone();
    let referral_remind_days = config.referral_remind_days;
    let state = AppState::new(handle.clone(), jwt, person_keys, config)?;
    tracing::info!(%bind, backend = handle.inner().backend().as_str(), "hamkke listening");
    let metrics_state = state.clone();
    let webhook_keys = state.person_keys.clone();
    let webhook_settings = state.config.webhooks.clone();
    actix_web::rt::System::new().block_on(async move {
        let sealer = hamkke_http::sealer::spawn(handle.clone(), seal_every);
        let upkeep = hamkke_http::housekeeping::spawn(
            handle.clone(),
            Duration::from_secs(3600),
            referral_remind_days,
        );
        let tallies = hamkke_http::housekeeping::spawn_tallies(handle.clone(), tally_every);
        let checkpoints = checkpoint_every
            .map(|every| hamkke_http::housekeeping::spawn_checkpoints(handle.clone(), every));
        let scan = hamkke_http::housekeeping::spawn_duplicate_scan(
            handle.clone(),
            Duration::from_secs(24 * 3600),
        );
        // Webhook deliveries queued by changes (also those left by a stopped server).
        let deliverer = hamkke_http::webhooks::spawn(
            handle.clone(),
            webhook_keys,
            webhook_settings,
            Duration::from_millis(500),
        );
        let server = actix_web::HttpServer::new(move || hamkke_http::build(state.clone()))
            .shutdown_timeout(10)
            .bind(&bind)
            .with_context(|| format!("cannot bind {bind}"))?
            .workers(workers)
            .worker_max_blocking_threads(blocking_per_worker);
        // Metrics on an address of their own (e.g. reachable only from the monitoring network).
        let metrics_server = match metrics_bind {
            None => None,
            Some(addr) => {
                let metrics_state = actix_web::web::Data::new(metrics_state);
                let s = actix_web::HttpServer::new(move || {
                    actix_web::App::new().app_data(metrics_state.clone()).route(
                        "/metrics",
                        actix_web::web::get().to(hamkke_http::routes::ops::metrics_only),
                    )
                })
                .workers(1)
                .bind(&addr)
                .with_context(|| format!("cannot bind {addr}"))?
                .run();
                tracing::info!(address = %addr, "metrics served on their own address");
                Some(actix_web::rt::spawn(s))
            }
        };
        server.run().await.context("server failed")?;
        if let Some(m) = metrics_server {
            m.abort();
        }
        sealer.abort();
        upkeep.abort();
        scan.abort();
        tallies.abort();
        deliverer.abort();
        let sealed = hamkke_http::sealer::seal_all(&handle).await;
        tracing::info!(sealed, "audit events sealed at shutdown");
        if let Some(c) = checkpoints {
            c.abort();
            let pool = handle.inner().clone();
            let _ = actix_web::web::block(move || pool.checkpoint()).await;
        }
        Ok(())
    })
}

/// The process's peak resident memory in MB (Linux), for the scan's report.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn import_file(
    db: &Db,
    keys: &hamkke_persistence::crypto::PersonKeys,
    file: &std::path::Path,
    username: &str,
    opts: hamkke_http::import::ImportOptions,
) -> anyhow::Result<()> {
    let data = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
    let actor = hamkke_persistence::repo::auth::actor_for_username(&mut conn, username)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("no active user named {username}"))?;
    let ctx = hamkke_persistence::audit::AuditCtx {
        user_id: Some(actor.user_id),
        org_id: Some(actor.org_id),
        role: Some(actor.role.as_str().to_owned()),
        request_id: Some(format!("cli-import-{}", run_id())),
        ip: None,
        purpose: Some("allocation".into()),
        idempotency: None,
        read_only: false,
    };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let format = if file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
    {
        hamkke_http::import::Format::Xlsx
    } else {
        hamkke_http::import::Format::Csv
    };
    let report = hamkke_http::import::import(
        &mut conn,
        &actor,
        &ctx,
        keys,
        format,
        &data,
        opts,
        // An operator on the server imports without a lookup budget.
        &mut || true,
        &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )
    .map_err(|e| anyhow::anyhow!("import failed: {e:?}"))?;
    bar.finish();
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

fn run_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{:x}", now.as_nanos())
}
