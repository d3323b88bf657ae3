//! BPMN: the model the engine executes ([`model`]), read from XML ([`mod@parse`]), and the
//! expressions of conditions and payloads ([`expr`]).

pub mod expr;
pub mod model;
pub mod parse;

pub use expr::{Expression, ExpressionError, Token};
pub use model::{FlowId, FlowNode, FormField, NodeId, NodeKind, Process, SequenceFlow};
pub use parse::{ParseError, parse};
