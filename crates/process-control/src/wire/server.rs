//! Server information and the identity authority.

use process_engine_api_types::models::{Authority, PackageInfo};
use process_engine_api_types::routes;
use process_engine_transport::{Client, Error};

use crate::options::RequestOptions;

pub(crate) async fn info(client: &Client, options: &RequestOptions) -> Result<PackageInfo, Error> {
    super::json(client, &routes::GET_PACKAGE_INFO, &[], options).await
}

pub(crate) async fn authority(
    client: &Client,
    options: &RequestOptions,
) -> Result<Authority, Error> {
    super::json(client, &routes::GET_AUTHORITY, &[], options).await
}
