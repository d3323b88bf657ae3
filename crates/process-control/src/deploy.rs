//! Deploying process models: from a string or a file, with overwrite; update; undeploy.

use std::path::PathBuf;

use crate::error::Repr;
use crate::mode::{Async, Mode};
use crate::{Error, ProcessControlClient, Request, bpmn_id, wire};
use process_engine_transport::{RequestOptions, RequestOptionsBuilder};

impl<M: Mode> ProcessControlClient<M> {
    /// Deploys a BPMN document under the id of its process (read from the XML, so that the
    /// name always matches, as the engine requires). Answers that id.
    pub fn deploy_bpmn(&self, xml: impl Into<String>) -> Deploy<M> {
        self.deploy(Source::Xml(xml.into()), Via::Import)
    }

    /// Deploys the BPMN document in the file at `path`; see [`deploy_bpmn`](Self::deploy_bpmn).
    pub fn deploy_file(&self, path: impl Into<PathBuf>) -> Deploy<M> {
        self.deploy(Source::File(path.into()), Via::Import)
    }

    /// Replaces a deployed model with a new version of its BPMN (the engine's management
    /// `update`, as BPMN Studio deploys); running instances keep the version they started with.
    pub fn update_process_model(&self, xml: impl Into<String>) -> Deploy<M> {
        self.deploy(Source::Xml(xml.into()), Via::Update)
    }

    /// Removes a deployed model with its correlations, instances and tasks.
    pub fn undeploy(&self, process_model_id: impl Into<String>) -> Request<(), M> {
        let id = process_model_id.into();
        self.request(|client, options| async move {
            Ok(wire::deployment::undeploy(&client, &id, &options).await?)
        })
    }

    fn deploy(&self, source: Source, via: Via) -> Deploy<M> {
        Deploy {
            client: self.clone(),
            deployment: Deployment {
                source,
                via,
                overwrite: true,
                options: RequestOptions::default(),
            },
        }
    }
}

/// A deployment: set [`overwrite`](Deploy::overwrite) if needed, then `send()`; answers the
/// process model id.
#[must_use = "a deployment does nothing until it is sent"]
#[derive(Debug)]
pub struct Deploy<M: Mode = Async> {
    pub(crate) client: ProcessControlClient<M>,
    pub(crate) deployment: Deployment,
}

#[derive(Debug)]
pub(crate) struct Deployment {
    source: Source,
    via: Via,
    overwrite: bool,
    options: RequestOptions,
}

#[derive(Debug)]
enum Source {
    Xml(String),
    File(PathBuf),
}

#[derive(Debug, Clone, Copy)]
enum Via {
    Import,
    Update,
}

impl<M: Mode> Deploy<M> {
    /// Whether a model of the same id is replaced (the default) or the deployment fails with
    /// [`ErrorKind::Conflict`](crate::ErrorKind::Conflict).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.deployment.overwrite = overwrite;
        self
    }
}

impl<M: Mode> RequestOptionsBuilder for Deploy<M> {
    fn request_options(&mut self) -> &mut RequestOptions {
        &mut self.deployment.options
    }
}

impl Deploy<Async> {
    /// Deploys and answers the process model id.
    pub async fn send(self) -> Result<String, Error> {
        let Deployment {
            source,
            via,
            overwrite,
            options,
        } = self.deployment;
        let xml = match source {
            Source::Xml(xml) => xml,
            Source::File(path) => tokio::fs::read_to_string(&path)
                .await
                .map_err(|source| Error::new(Repr::ReadFile { path, source }))?,
        };
        let id = bpmn_id::process_id(&xml)?;
        let transport = self.client.transport();
        match via {
            Via::Import => {
                wire::deployment::import(transport, &id, xml, overwrite, &options).await?;
            }
            Via::Update => {
                wire::deployment::update(transport, &id, xml, overwrite, &options).await?;
            }
        }
        Ok(id)
    }
}
