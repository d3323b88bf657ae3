//! Users' own tower layers, boxed so that the client keeps no generic parameters.

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response};
use tower::{Layer, Service, ServiceExt};

use crate::{BoxError, BoxedService, Error};

/// A user's layer, ready to wrap the boxed stack below it.
pub(crate) type UserLayer = Arc<dyn Fn(BoxedService) -> BoxedService + Send + Sync>;

/// Boxes `layer`, mapping its errors back to [`Error`]: ours come back as they were, the
/// layer's own become [`Error::is_layer`] errors.
pub(crate) fn boxed<L>(layer: L) -> UserLayer
where
    L: Layer<BoxedService> + Send + Sync + 'static,
    L::Service: Service<Request<Bytes>, Response = Response<Bytes>> + Clone + Send + Sync + 'static,
    <L::Service as Service<Request<Bytes>>>::Error: Into<BoxError>,
    <L::Service as Service<Request<Bytes>>>::Future: Send + 'static,
{
    Arc::new(move |inner| {
        BoxedService::new(
            layer
                .layer(inner)
                .map_err(|error| Error::from_boxed(error.into())),
        )
    })
}
