//! BPMN: the model the engine executes ([`model`]), read from XML ([`parse`]), and the
//! JavaScript of its expressions and scripts ([`js`]).

pub(crate) mod js;
pub(crate) mod model;
pub(crate) mod parse;

pub(crate) use model::{FlowId, FlowNode, FormField, NodeId, NodeKind, Process, UserTaskForm};
pub(crate) use parse::parse;
pub use parse::{ParseError, XmlError};
