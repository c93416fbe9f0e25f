//! `ampline presets`: the destination's default mappings, as configuration.

use ampline_amplitude::{Preset, PresetTarget};
use serde_json::{json, Value};

pub fn run() -> anyhow::Result<()> {
    let presets: Vec<Value> = Preset::ALL
        .iter()
        .map(|preset| preset_json(*preset))
        .collect();
    super::print_pretty(&json!({"mappings": presets}))
}

fn preset_json(preset: Preset) -> Value {
    let action = match preset.target() {
        PresetTarget::Cloud(action) => action.id(),
        PresetTarget::Browser(plugin) => plugin.id(),
    };
    json!({
        "name": preset.name(),
        "enabled": true,
        "trigger": preset.trigger(),
        "action": action,
        "mapping": preset.mapping(),
    })
}
