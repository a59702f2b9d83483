//! A LaunchPoint service's credentials, from the environment; never
//! shown.

use std::fmt;

use anyhow::Result;

use crate::error::usage;
use crate::marketo::instance::Instance;

/// The environment variables holding the credentials.
pub const CLIENT_ID_ENV: &str = "MARKETO_CLIENT_ID";
pub const CLIENT_SECRET_ENV: &str = "MARKETO_CLIENT_SECRET";

/// A LaunchPoint service's client id and secret. `Debug` never shows them.
#[derive(Clone)]
pub struct Credentials {
    client_id: String,
    client_secret: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(..)")
    }
}

impl Credentials {
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }

    /// From `MARKETO_CLIENT_ID` and `MARKETO_CLIENT_SECRET`; a missing or
    /// empty one is a usage error naming it.
    pub fn from_env() -> Result<Credentials> {
        let get = |name: &str| -> Result<String> {
            match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
                _ => Err(usage(format!(
                    "{name} is not set: export the client id and secret of the instance's LaunchPoint API service as {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV} (`mkimport help pull` says how to create one)"
                ))),
            }
        };
        Ok(Credentials {
            client_id: get(CLIENT_ID_ENV)?,
            client_secret: get(CLIENT_SECRET_ENV)?,
        })
    }

    /// The credentials of one instance: `MARKETO_CLIENT_ID_<ID>` and
    /// `MARKETO_CLIENT_SECRET_<ID>` when the instance is a Munchkin id
    /// (`<ID>` its id with `_` for `-`, `123_ABC_456`) and they are set,
    /// so that a source and a target instance can each have theirs; else
    /// [`Credentials::from_env`].
    pub fn for_instance(instance: &Instance) -> Result<Credentials> {
        let label = instance.label();
        if !label.contains("://") {
            let suffix = label.replace('-', "_").to_ascii_uppercase();
            let id_var = format!("{CLIENT_ID_ENV}_{suffix}");
            let secret_var = format!("{CLIENT_SECRET_ENV}_{suffix}");
            let read = |name: &str| {
                std::env::var(name)
                    .ok()
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            match (read(&id_var), read(&secret_var)) {
                (Some(client_id), Some(client_secret)) => {
                    return Ok(Credentials {
                        client_id,
                        client_secret,
                    })
                }
                (Some(_), None) => {
                    return Err(usage(format!(
                    "{secret_var} is not set, though {id_var} is: export both for instance {label}"
                )))
                }
                (None, Some(_)) => {
                    return Err(usage(format!(
                    "{id_var} is not set, though {secret_var} is: export both for instance {label}"
                )))
                }
                (None, None) => {}
            }
        }
        Credentials::from_env()
    }

    /// Both values, for code that must make sure they were not leaked.
    pub fn secrets(&self) -> [&str; 2] {
        [&self.client_id, &self.client_secret]
    }
}
