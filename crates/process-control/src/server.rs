//! What the engine says about itself: its package and its identity authority.

use process_engine_api_types::models::PackageInfo;

use crate::mode::Mode;
use crate::{ProcessControlClient, Request, wire};

/// The running engine's package information.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerInfo {
    /// The package name (`@process-engine/process_engine_runtime`).
    pub name: String,
    /// Its version (`8.0.0`).
    pub version: String,
    /// Its description.
    pub description: String,
    /// Its license.
    pub license: String,
    /// The project's homepage.
    pub homepage: String,
}

impl From<PackageInfo> for ServerInfo {
    fn from(info: PackageInfo) -> Self {
        ServerInfo {
            name: info.name,
            version: info.version,
            description: info.description,
            license: info.license,
            homepage: info.homepage,
        }
    }
}

impl<M: Mode> ProcessControlClient<M> {
    /// The engine's package and version; needs no token, so it also serves as a health check.
    /// (The Python client's `get_serverinfo()` asks a route 8.0.0 does not have.)
    pub fn server_info(&self) -> Request<ServerInfo, M> {
        self.request(|client, options| async move {
            Ok(wire::server::info(&client, &options).await?.into())
        })
    }

    /// The URL of the identity server the engine is configured with, where users get tokens.
    pub fn authority(&self) -> Request<String, M> {
        self.request(|client, options| async move {
            Ok(wire::server::authority(&client, &options).await?.authority)
        })
    }
}
