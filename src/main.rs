//! The `hamkke` binary: serve the API, run migrations, print the contract, bootstrap data.

mod seed;

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
}

fn init_tracing() {
    use tracing_subscriber::{fmt, EnvFilter};
    let filter = EnvFilter::try_from_env("HAMKKE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_writer(std::io::stderr)
        .init();
}

fn open_db(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(
        &config.database_url,
        config.db_pool_size,
        Duration::from_secs(config.db_timeout_secs),
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
            seed::demo(&db)
        }
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    let db = open_db(&config)?;
    let jwt = JwtKeys::from_config(&config)?;
    let person_keys = hamkke_http::secrets::person_keys(&config)?;
    let bind = config.bind.clone();
    let workers = config.workers;
    let handle = DbHandle::new(db);
    let state = AppState::new(handle.clone(), jwt, person_keys, config)?;
    tracing::info!(%bind, backend = handle.inner().backend().as_str(), "hamkke listening");
    actix_web::rt::System::new().block_on(async move {
        let sealer = hamkke_http::sealer::spawn(handle.clone(), Duration::from_secs(1));
        let mut server = actix_web::HttpServer::new(move || hamkke_http::build(state.clone()))
            .shutdown_timeout(10)
            .bind(&bind)
            .with_context(|| format!("cannot bind {bind}"))?;
        if let Some(w) = workers {
            server = server.workers(w);
        }
        server.run().await.context("server failed")?;
        sealer.abort();
        let sealed = hamkke_http::sealer::seal_all(&handle).await;
        tracing::info!(sealed, "audit events sealed at shutdown");
        Ok(())
    })
}
