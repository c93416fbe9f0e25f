//! One event through one action: mapping, validation, perform.

use crate::action::Action;
use crate::fields::{validate_payload, FieldError, MemberCheck, MemberFields};
use crate::request::Request;
use crate::settings::Settings;
use ampline_mapping::{InvalidMapping, Mapped, Mapping, MappingError};
use ampline_useragent::UserAgentCache;
use serde_json::Value;
use std::fmt;
use std::sync::OnceLock;

/// Why an event sends nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The mapping is invalid, or failed on this event.
    InvalidMapping,
    /// The event is not a JSON object.
    InvalidEvent,
    /// The mapped payload does not satisfy the action's fields.
    PayloadValidationFailed,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidMapping => "INVALID_MAPPING",
            ErrorCode::InvalidEvent => "INVALID_EVENT",
            ErrorCode::PayloadValidationFailed => "PAYLOAD_VALIDATION_FAILED",
        }
    }
}

/// An event rejected by an action, with a message that names the offending fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionError {
    pub code: ErrorCode,
    pub message: String,
    /// For [`ErrorCode::PayloadValidationFailed`], every problem found.
    pub field_errors: Vec<FieldError>,
}

impl ActionError {
    fn new(code: ErrorCode, message: String) -> Self {
        ActionError {
            code,
            message,
            field_errors: Vec::new(),
        }
    }

    fn invalid_mapping(errors: &InvalidMapping) -> Self {
        ActionError::new(
            ErrorCode::InvalidMapping,
            format!("invalid mapping: {errors}"),
        )
    }

    fn validation(errors: Vec<FieldError>) -> Self {
        let message = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        ActionError {
            code: ErrorCode::PayloadValidationFailed,
            message,
            field_errors: errors,
        }
    }
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ActionError {}

/// An action with its mapping compiled once, ready for many events.
#[derive(Debug, Clone)]
pub struct CompiledAction {
    action: Action,
    mapping: Mapping,
    /// For a mapping of members (every action's usual mapping), each member's field: the payload
    /// is then validated as the mapping produces it, without looking up a key.
    members: Option<MemberFields>,
}

impl CompiledAction {
    pub fn new(action: Action, mapping: &Value) -> Result<Self, ActionError> {
        let mapping = Mapping::compile(mapping).map_err(|e| ActionError::invalid_mapping(&e))?;
        let members = mapping
            .member_keys()
            .map(|keys| MemberFields::new(action.fields(), &keys));
        Ok(CompiledAction {
            action,
            mapping,
            members,
        })
    }

    /// The action with its fields' default mapping.
    pub fn with_defaults(action: Action) -> Result<Self, ActionError> {
        Self::new(action, &action.default_mapping())
    }

    pub fn action(&self) -> Action {
        self.action
    }

    pub fn run(
        &self,
        event: &Value,
        settings: &Settings,
        user_agents: Option<&mut UserAgentCache>,
    ) -> Result<Vec<Request>, ActionError> {
        run_with(
            self.action,
            &self.mapping,
            self.members.as_ref(),
            event,
            settings,
            user_agents,
        )
    }
}

/// One event through `action` with `mapping`, whose members' fields are `members` when it has
/// members.
fn run_with(
    action: Action,
    mapping: &Mapping,
    members: Option<&MemberFields>,
    event: &Value,
    settings: &Settings,
    user_agents: Option<&mut UserAgentCache>,
) -> Result<Vec<Request>, ActionError> {
    if !event.is_object() {
        return Err(ActionError::new(
            ErrorCode::InvalidEvent,
            "the event must be a JSON object".to_owned(),
        ));
    }
    let mapping_failed =
        |e: MappingError| ActionError::new(ErrorCode::InvalidMapping, e.to_string());
    let payload = match members {
        // The payload is validated member by member as the mapping makes it.
        Some(members) => {
            let mut check = MemberCheck::new(action.fields(), members);
            mapping
                .apply_members(event, |position, key, value| {
                    check.take(position, key, value)
                })
                .map_err(mapping_failed)?;
            check.finish()
        }
        None => {
            let mapped = mapping
                .apply_borrowed(event)
                .map_err(mapping_failed)?
                .unwrap_or_else(|| Mapped::Object(Vec::new()));
            validate_payload(action.fields(), mapped)
        }
    };
    let payload = payload.map_err(ActionError::validation)?;
    Ok(action.perform(payload, settings, user_agents))
}

/// The action with its default mapping, compiled once.
fn default_action(action: Action) -> Result<&'static CompiledAction, ActionError> {
    static DEFAULTS: [OnceLock<Result<CompiledAction, ActionError>>; 6] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    let index = Action::ALL
        .iter()
        .position(|a| *a == action)
        .unwrap_or_default();
    let slot = DEFAULTS.get(index).ok_or_else(|| {
        ActionError::new(ErrorCode::InvalidMapping, "no default mapping".to_owned())
    })?;
    slot.get_or_init(|| CompiledAction::with_defaults(action))
        .as_ref()
        .map_err(Clone::clone)
}

/// Runs one event through `action`: the mapping (`None`: the action's default field values),
/// then the fields' pruning, coercion and validation, then the action's `perform`.
pub fn run(
    action: Action,
    event: &Value,
    mapping: Option<&Mapping>,
    settings: &Settings,
    user_agents: Option<&mut UserAgentCache>,
) -> Result<Vec<Request>, ActionError> {
    let Some(mapping) = mapping else {
        return default_action(action)?.run(event, settings, user_agents);
    };
    let members = mapping
        .member_keys()
        .map(|keys| MemberFields::new(action.fields(), &keys));
    run_with(
        action,
        mapping,
        members.as_ref(),
        event,
        settings,
        user_agents,
    )
}
