//! Secret material: from the environment, or in embedded (SQLite) mode generated once into the
//! data directory with a warning. A PostgreSQL deployment must configure every secret.

use std::path::Path;

use hamkke_persistence::crypto::PersonKeys;

use crate::config::{Config, ConfigError};

/// The configured value, or the one kept in `<data_dir>/<file>`, created by `generate` if
/// missing (embedded mode only).
pub fn configured_or_generated(
    config: &Config,
    name: &'static str,
    value: Option<&str>,
    file: &str,
    generate: impl FnOnce() -> String,
) -> Result<String, ConfigError> {
    if let Some(v) = value {
        return Ok(v.to_owned());
    }
    if config.backend() == hamkke_persistence::Backend::Postgres {
        return Err(ConfigError {
            name,
            reason: "required when running on PostgreSQL".into(),
        });
    }
    let path = config.data_dir.join(file);
    let io = |e: std::io::Error| ConfigError {
        name: "HAMKKE_DATA_DIR",
        reason: format!("cannot use {}: {e}", path.display()),
    };
    match std::fs::read_to_string(&path) {
        Ok(s) => Ok(s.trim().to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            hamkke_persistence::conn::create_private_dir(&config.data_dir).map_err(io)?;
            let secret = generate();
            write_private(&path, &secret).map_err(io)?;
            tracing::warn!(path = %path.display(), variable = name, "generated a development secret; set it explicitly in production");
            Ok(secret)
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

/// The RRN encryption and lookup keys (`HAMKKE_DATA_KEY`, `HAMKKE_LOOKUP_KEY`).
pub fn person_keys(config: &Config) -> Result<PersonKeys, ConfigError> {
    let data = configured_or_generated(
        config,
        "HAMKKE_DATA_KEY",
        config.data_key.as_deref(),
        "data-key",
        PersonKeys::generate_base64,
    )?;
    let lookup = configured_or_generated(
        config,
        "HAMKKE_LOOKUP_KEY",
        config.lookup_key.as_deref(),
        "lookup-key",
        PersonKeys::generate_base64,
    )?;
    let keys = PersonKeys::from_base64(&data, &lookup).map_err(|_| ConfigError {
        name: "HAMKKE_DATA_KEY / HAMKKE_LOOKUP_KEY",
        reason: "each must be 32 bytes, base64-encoded".into(),
    })?;
    match &config.previous_keys {
        None => Ok(keys),
        Some((data, lookup)) => {
            let previous = PersonKeys::from_base64(data, lookup).map_err(|_| ConfigError {
                name: "HAMKKE_DATA_KEY_PREVIOUS / HAMKKE_LOOKUP_KEY_PREVIOUS",
                reason: "each must be 32 bytes, base64-encoded".into(),
            })?;
            Ok(keys.with_previous(previous))
        }
    }
}
