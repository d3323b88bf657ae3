//! Deploying process models: from a string or a file, with overwrite; update; undeploy.

use std::path::PathBuf;

use process_engine_api_types::models::{ImportProcessModelRequest, UpdateProcessModelRequest};
use process_engine_api_types::operations::{
    ImportProcessModel, UndeployProcessModel, UpdateProcessModel,
};
use process_engine_transport::{Client, RequestOptions};

use crate::error::Repr;
use crate::{Error, ProcessControlClient, RequestBuilder, bpmn_id};

impl ProcessControlClient {
    /// Deploys a BPMN document under the id of its process (read from the XML, so that the
    /// name always matches, as the engine requires). Answers that id.
    pub fn deploy_bpmn(&self, xml: impl Into<String>) -> DeployBuilder {
        self.deploy(Source::Xml(xml.into()), Via::Import)
    }

    /// Deploys the BPMN document in the file at `path`, read when the deployment is sent; see
    /// [`deploy_bpmn`](Self::deploy_bpmn).
    pub fn deploy_file(&self, path: impl Into<PathBuf>) -> DeployBuilder {
        self.deploy(Source::File(path.into()), Via::Import)
    }

    /// Replaces a deployed model with a new version of its BPMN (the engine's management
    /// `update`, as BPMN Studio deploys); running instances keep the version they started with.
    pub fn update_process_model(&self, xml: impl Into<String>) -> DeployBuilder {
        self.deploy(Source::Xml(xml.into()), Via::Update)
    }

    /// Removes a deployed model with its correlations, instances and tasks.
    pub fn undeploy(
        &self,
        process_model_id: impl Into<String>,
    ) -> RequestBuilder<UndeployProcessModel> {
        self.request(UndeployProcessModel::new(process_model_id))
    }

    fn deploy(&self, source: Source, via: Via) -> DeployBuilder {
        DeployBuilder {
            transport: self.transport().clone(),
            source,
            via,
            overwrite: true,
            options: RequestOptions::new(),
        }
    }
}

/// A deployment: set [`overwrite`](DeployBuilder::overwrite) if needed, then `send()`; answers
/// the process model id.
///
/// Its operation ([`ImportProcessModel`] or [`UpdateProcessModel`]) is made when it is sent: the
/// name to deploy under is read from the BPMN, and a file's BPMN only then.
#[must_use = "a deployment does nothing until it is sent"]
#[derive(Debug)]
pub struct DeployBuilder {
    transport: Client,
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

impl DeployBuilder {
    /// Whether a model of the same id is replaced (the default) or the deployment fails with
    /// [`ErrorKind::Conflict`](crate::ErrorKind::Conflict).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Makes the call with `options` (time limits, identity) instead of the client's settings.
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// The per-call options the deployment is made with.
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }

    /// Deploys and answers the process model id.
    pub async fn send(self) -> Result<String, Error> {
        let xml = match self.source {
            Source::Xml(xml) => xml,
            Source::File(path) => tokio::fs::read_to_string(&path)
                .await
                .map_err(|source| Error::new(Repr::ReadFile { path, source }))?,
        };
        let id = bpmn_id::process_id(&xml)?;
        // `overwriteExisting` is always sent: the engine's default (`true`) contradicts its own
        // contract's comment, so a reader of the request should not have to know which holds.
        let (transport, options) = (&self.transport, &self.options);
        match self.via {
            Via::Import => {
                let body = ImportProcessModelRequest::new(&id, xml)
                    .with_overwrite_existing(self.overwrite);
                transport
                    .execute(&ImportProcessModel::new(body), options)
                    .await?;
            }
            Via::Update => {
                let body =
                    UpdateProcessModelRequest::new(xml).with_overwrite_existing(self.overwrite);
                transport
                    .execute(&UpdateProcessModel::new(&id, body), options)
                    .await?;
            }
        }
        Ok(id)
    }
}
