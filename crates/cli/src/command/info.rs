//! `pe info`: which engine answers at the URL.

use clap::Args;
use process_engine::ProcessControlClient;
use serde::Serialize;

use crate::exit::Exit;
use crate::failure::Failure;
use crate::output::{Doc, Output, Record};

/// Show the engine's name and version, and where its identity server is: a quick check of
/// --url and the identity.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pe info
  PROCESS_ENGINE_URL=http://engine:8000 pe info -o json")]
pub(crate) struct InfoArgs {}

/// The engine as printed.
#[derive(Debug, Serialize)]
struct Info {
    url: String,
    name: String,
    version: String,
    /// The identity server the engine names (`GET /security/authority`).
    authority: Option<String>,
}

impl Record for Info {
    fn human(&self, doc: &mut Doc) {
        doc.field("url", self.url.as_str())
            .field("engine", self.name.as_str())
            .field("version", self.version.as_str())
            .optional("authority", self.authority.as_deref());
    }
}

pub(crate) async fn run(
    _args: InfoArgs,
    control: &ProcessControlClient,
    output: &Output,
) -> Result<Exit, Failure> {
    let package = control.server_info().send().await?;
    // An engine without an identity server configured still names one; one that cannot
    // answer does not keep the rest from being shown.
    let authority = control
        .authority()
        .send()
        .await
        .ok()
        .map(|authority| authority.authority);
    output.record(&Info {
        url: control.transport().base_url().to_owned(),
        name: package.name,
        version: package.version,
        authority,
    })?;
    Ok(Exit::Success)
}
