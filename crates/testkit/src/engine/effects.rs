//! What the rest of the engine must do after an instance moved: an instance collects these
//! while it runs under the engine's lock, and the engine applies them
//! (`State::apply` in the parent module) once the instance is done moving.

use std::sync::Arc;

use serde_json::Value;

use super::instance::Wait;
use super::token::{Payload, Token};
use crate::bpmn::Process;

/// An external task the instance created; the engine puts it in its task table.
#[derive(Debug, Clone)]
pub(crate) struct NewTask {
    pub(crate) instance_id: String,
    pub(crate) id: String,
    pub(crate) topic: String,
    pub(crate) flow_node_instance_id: String,
    pub(crate) payload: Option<Value>,
}

/// A child instance to start: an embedded sub-process or a called model.
#[derive(Debug, Clone)]
pub(crate) struct NewChild {
    pub(crate) parent_instance: String,
    pub(crate) parent_fni: String,
    pub(crate) child_id: String,
    pub(crate) what: ChildKind,
    pub(crate) token: Token,
}

/// What a child instance runs.
#[derive(Debug, Clone)]
pub(crate) enum ChildKind {
    /// An embedded sub-process: its inner process.
    SubProcess(Arc<Process>),
    /// A call activity: the called model's id.
    Call(String),
}

/// A timer to schedule: at `due_ms`, `fire` the flow node instance `fni` of `instance`.
#[derive(Debug, Clone)]
pub(crate) struct NewTimer {
    pub(crate) instance: String,
    pub(crate) fni: String,
    pub(crate) due_ms: u64,
}

/// What the rest of the engine must do after an instance moved.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    pub(crate) new_tasks: Vec<NewTask>,
    /// External tasks that no longer wait for a result.
    pub(crate) cancelled_tasks: Vec<String>,
    /// End events reached: `(instance id, end event id, payload)`.
    pub(crate) ended: Vec<(String, String, Payload)>,
    /// Instances that stopped running (finished or failed).
    pub(crate) stopped: Vec<String>,
    /// Messages and signals thrown: delivered to every current waiter.
    pub(crate) published: Vec<(Wait, Payload)>,
    /// Send tasks that sent: `(message name, payload)`.
    pub(crate) sent: Vec<(String, Payload)>,
    /// Child instances to start.
    pub(crate) children: Vec<NewChild>,
    /// Child instances to end (their parent went on or ended).
    pub(crate) cancelled_children: Vec<String>,
    /// Timers to schedule.
    pub(crate) timers: Vec<NewTimer>,
    /// How many flow nodes the instances passed while collecting these effects.
    pub(crate) steps: usize,
    /// What to announce to the engine's listeners, in order.
    pub(crate) notices: Vec<crate::notify::Notice>,
}
