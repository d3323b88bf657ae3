//! What the engine says about itself: its package and its identity authority.

use process_engine_api_types::operations::{GetAuthority, GetPackageInfo};

use crate::{ProcessControlClient, RequestBuilder};

impl ProcessControlClient {
    /// The engine's package and version; needs no token, so it also serves as a health check.
    /// (The Python client's `get_serverinfo()` asks a route 8.0.0 does not have.)
    pub fn server_info(&self) -> RequestBuilder<GetPackageInfo> {
        self.request(GetPackageInfo::new())
    }

    /// The URL of the identity server the engine is configured with, where users get tokens.
    pub fn authority(&self) -> RequestBuilder<GetAuthority> {
        self.request(GetAuthority::new())
    }
}
