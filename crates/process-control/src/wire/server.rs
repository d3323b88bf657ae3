//! Server information and the identity authority.

use process_engine_api_types::models::{Authority, PackageInfo};
use process_engine_api_types::operations::{GetAuthority, GetPackageInfo};
use process_engine_transport::{Client, Error, RequestOptions};

pub(crate) async fn info(client: &Client, options: &RequestOptions) -> Result<PackageInfo, Error> {
    client.execute(&GetPackageInfo::new(), options).await
}

pub(crate) async fn authority(
    client: &Client,
    options: &RequestOptions,
) -> Result<Authority, Error> {
    client.execute(&GetAuthority::new(), options).await
}
