//! Where the engine is and who calls it: the options every command that talks to an engine
//! takes, from flags or the environment, made into the one transport client.

use std::time::Duration;

use clap::Args;
use process_engine::{Client, ClientCredentials, Identity};

use crate::duration;
use crate::failure::Failure;

/// The engine's URL and the caller's identity.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Engine")]
pub(crate) struct EngineArgs {
    /// The engine's URL (BPMN Studio's engine: http://localhost:56000).
    #[arg(long, global = true, env = "PROCESS_ENGINE_URL", value_name = "URL")]
    pub(crate) url: Option<String>,

    /// A bearer token to call the engine with (default: the engine's development identity).
    #[arg(
        long,
        global = true,
        env = "PROCESS_ENGINE_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    token: Option<String>,

    /// The user id the token stands for (the engine reads it from the token anyway).
    #[arg(
        long,
        global = true,
        env = "PROCESS_ENGINE_USER_ID",
        value_name = "ID",
        requires = "token"
    )]
    user_id: Option<String>,

    /// An OAuth 2.0 client id: tokens come from the identity server with the client
    /// credentials grant (with --client-secret).
    #[arg(
        long,
        global = true,
        env = "PROCESS_ENGINE_CLIENT_ID",
        value_name = "ID"
    )]
    client_id: Option<String>,

    /// The OAuth 2.0 client secret (prefer the environment: flags show in `ps`).
    #[arg(
        long,
        global = true,
        env = "PROCESS_ENGINE_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    client_secret: Option<String>,

    /// A scope to ask the identity server for (repeatable; the environment variable takes
    /// them space-separated).
    #[arg(
        long = "scope",
        global = true,
        env = "PROCESS_ENGINE_SCOPE",
        value_delimiter = ' ',
        value_name = "SCOPE"
    )]
    scopes: Vec<String>,

    /// The identity server's URL (default: the one the engine names at
    /// GET /security/authority).
    #[arg(
        long,
        global = true,
        env = "PROCESS_ENGINE_AUTHORITY",
        value_name = "URL"
    )]
    authority: Option<String>,

    /// The time limit of one call to the engine (default 30s; a start that waits has its
    /// own, --wait-limit).
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration::parse)]
    timeout: Option<Duration>,
}

impl EngineArgs {
    /// The engine's URL, or the error that says how to give one.
    pub(crate) fn url(&self) -> Result<&str, Failure> {
        match self.url.as_deref() {
            Some(url) if !url.trim().is_empty() => Ok(url),
            _ => Err(Failure::bad_input(
                "no engine URL: pass --url or set PROCESS_ENGINE_URL \
                 (BPMN Studio's engine listens on http://localhost:56000)",
            )),
        }
    }

    /// The transport client of the engine, with the identity the options name.
    pub(crate) fn client(&self) -> Result<Client, Failure> {
        let url = self.url()?;
        let mut builder = Client::builder(url);
        if let Some(timeout) = self.timeout {
            builder = builder.attempt_timeout(timeout);
        }
        match (&self.token, &self.client_id, &self.client_secret) {
            (Some(_), Some(_), _) => {
                return Err(Failure::bad_input(
                    "give either a token (--token, PROCESS_ENGINE_TOKEN) or client credentials \
                     (--client-id, PROCESS_ENGINE_CLIENT_ID), not both",
                ));
            }
            (Some(token), None, _) => {
                let user_id = self.user_id.as_deref().unwrap_or_default();
                builder = builder.identity(Identity::new(token.as_str(), user_id));
            }
            (None, Some(id), Some(secret)) => {
                let mut credentials = ClientCredentials::new(id.as_str(), secret.as_str());
                for scope in self.scopes.iter().filter(|scope| !scope.is_empty()) {
                    credentials = credentials.scope(scope.as_str());
                }
                if let Some(authority) = &self.authority {
                    credentials = credentials.authority(authority.as_str());
                }
                builder = builder.client_credentials(credentials);
            }
            (None, Some(_), None) => {
                return Err(Failure::bad_input(
                    "--client-id needs a secret: pass --client-secret or set \
                     PROCESS_ENGINE_CLIENT_SECRET",
                ));
            }
            (None, None, _) => {}
        }
        builder.build().map_err(|error| {
            Failure::from(process_engine::Error::from(error))
                .context(format!("the engine options (--url {url}) cannot be used"))
        })
    }
}
