//! The chat completion request vLLM 0.33.0 makes of an Anthropic Messages request
//! (`AnthropicServingMessages.to_chat_completion_request`), block by block: text and images
//! become content parts, `thinking` the message's reasoning, `tool_use` its tool calls, a
//! user's `tool_result` a `tool` message before it (an assistant's, text), the tool changes of
//! system messages the tools in effect, and the tool choice OpenAI's.
//!
//! The mock renders what its chat path reads of these (roles and texts); the rest (tool calls'
//! arguments, a tool's schema) is built as vLLM builds it so the chat request validates as
//! vLLM's does. One difference no answer shows: a tool result's items are printed with their
//! keys sorted, where Python keeps their order.

use serde_json::{Map, Value, json};

use super::anthropic::{
    AnthropicBlock, AnthropicContent, AnthropicMessagesRequest, AnthropicRole, AnthropicTool, BlockKind, ToolChange,
    ToolChoiceKind, ToolResultContent, image_source_url,
};
use super::validation::{python_repr, python_str};

/// Claude Code's attribution line, left out of the system prompt (see `messages.rs`).
const BILLING_HEADER: &str = "x-anthropic-billing-header";

/// The chat request's JSON, or the `ValueError` vLLM raises while building it (a tool change
/// naming an undeclared tool), which it answers as a 400.
pub fn chat_request(request: &AnthropicMessagesRequest) -> Result<Value, String> {
    let mut messages = Vec::new();
    if let Some(system) = system_prompt(request.system.as_ref()) {
        messages.push(json!({"role": "system", "content": system}));
    }
    for message in &request.messages {
        convert_message(message.role, &message.content, &mut messages);
    }
    let mut chat = json!({
        "model": request.model,
        "messages": messages,
        "max_tokens": request.max_tokens,
        "max_completion_tokens": request.max_tokens,
        "stop": request.stop_sequences,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "top_k": request.top_k,
    });
    if let Some(choice) = &request.tool_choice {
        chat["parallel_tool_calls"] = json!(choice.disable_parallel_tool_use != Some(true));
        chat["tool_choice"] = match choice.kind {
            ToolChoiceKind::Auto => json!("auto"),
            ToolChoiceKind::Any => json!("required"),
            ToolChoiceKind::None => json!("none"),
            ToolChoiceKind::Tool => json!({"type": "function", "function": {"name": choice.name}}),
        };
    }
    if let Some(tools) = tools_in_effect(request)? {
        if request.tool_choice.is_none() {
            chat["tool_choice"] = json!("auto");
        }
        chat["tools"] = tools.iter().map(function_tool).collect();
    }
    Ok(chat)
}

/// The top-level system prompt: the text, or its text blocks but the billing line, joined.
fn system_prompt(system: Option<&AnthropicContent>) -> Option<String> {
    let text = match system? {
        AnthropicContent::Text(text) => text.clone(),
        AnthropicContent::Blocks(blocks) => blocks
            .iter()
            .filter(|block| block.kind == BlockKind::Text)
            .filter_map(|block| block.text.as_deref())
            .filter(|text| !text.is_empty() && !text.starts_with(BILLING_HEADER))
            .collect(),
    };
    (!text.is_empty()).then_some(text)
}

/// `_convert_messages`, for one message: a system message keeps its text only; another
/// becomes one chat message (none for a user's that is all tool results) after the `tool`
/// messages of its tool results.
fn convert_message(role: AnthropicRole, content: &AnthropicContent, messages: &mut Vec<Value>) {
    let blocks = match content {
        AnthropicContent::Text(text) if role == AnthropicRole::System => {
            if !text.starts_with(BILLING_HEADER) && !text.is_empty() {
                messages.push(json!({"role": "system", "content": text}));
            }
            return;
        }
        AnthropicContent::Text(text) => {
            messages.push(json!({"role": role.as_str(), "content": text}));
            return;
        }
        AnthropicContent::Blocks(blocks) => blocks,
    };
    if role == AnthropicRole::System {
        if let Some(text) = system_prompt(Some(content)) {
            messages.push(json!({"role": "system", "content": text}));
        }
        return;
    }
    let mut parts = Vec::new();
    let mut tool_calls = Vec::new();
    let mut reasoning = String::new();
    let mut reasoned = false;
    for block in blocks {
        match block.kind {
            BlockKind::Text => {
                if let Some(text) = block.text.as_deref().filter(|text| !text.is_empty()) {
                    parts.push(json!({"type": "text", "text": text}));
                }
            }
            BlockKind::Image => {
                if let Some(url) = block.image_url() {
                    parts.push(json!({"type": "image_url", "image_url": {"url": url}}));
                }
            }
            BlockKind::Thinking => {
                if let Some(thinking) = &block.thinking {
                    reasoning.push_str(thinking);
                    reasoned = true;
                }
            }
            BlockKind::ToolUse => tool_calls.push(tool_call(block)),
            BlockKind::ToolResult if role == AnthropicRole::User => tool_result_messages(block, messages),
            BlockKind::ToolResult => {
                let text = match &block.content {
                    None => String::new(),
                    Some(ToolResultContent::Text(text)) => text.clone(),
                    Some(ToolResultContent::Items(items)) if items.is_empty() => String::new(),
                    Some(ToolResultContent::Items(items)) => {
                        python_repr(&Value::Array(items.iter().cloned().map(Value::Object).collect()))
                    }
                };
                parts.push(json!({"type": "text", "text": format!("Tool result: {text}")}));
            }
            // Opaque (redacted), or read with a tool result or the tools (references, changes).
            BlockKind::RedactedThinking
            | BlockKind::ToolReference
            | BlockKind::ToolAddition
            | BlockKind::ToolRemoval => {}
        }
    }
    let mut message = Map::new();
    message.insert("role".into(), json!(role.as_str()));
    if reasoned {
        message.insert("reasoning".into(), json!(reasoning));
    }
    if !tool_calls.is_empty() {
        message.insert("tool_calls".into(), Value::Array(tool_calls));
    }
    match parts.as_slice() {
        [] => {}
        [only] if only["type"] == "text" => {
            message.insert("content".into(), only["text"].clone());
        }
        _ => {
            message.insert("content".into(), Value::Array(parts));
        }
    }
    // A user message with nothing left (all tool results) is not sent.
    if role != AnthropicRole::User || message.contains_key("content") {
        messages.push(Value::Object(message));
    }
}

/// `_convert_tool_use_block`: OpenAI's function call, its arguments as JSON text.
fn tool_call(block: &AnthropicBlock) -> Value {
    let id = match block.id.as_deref() {
        Some(id) if !id.is_empty() => id.to_owned(),
        _ => format!("call_{}", super::unix_now()),
    };
    let arguments = Value::Object(block.input.clone().unwrap_or_default()).to_string();
    json!({
        "id": id,
        "type": "function",
        "function": {"name": block.name.as_deref().unwrap_or_default(), "arguments": arguments},
    })
}

/// `_convert_user_tool_result`: a `tool` message of the result's text, then a user message of
/// its images and a `tool` message of its tool references, where it has them.
fn tool_result_messages(block: &AnthropicBlock, messages: &mut Vec<Value>) {
    let call_id = block.tool_use_id.as_deref().unwrap_or_default();
    let mut texts = Vec::new();
    let mut images = Vec::new();
    let mut references = Vec::new();
    let text = match &block.content {
        None => String::new(),
        Some(ToolResultContent::Text(text)) => text.clone(),
        Some(ToolResultContent::Items(items)) => {
            for item in items {
                let field = |key: &str| item.get(key).and_then(Value::as_str);
                match field("type") {
                    Some("text") => texts.push(field("text").unwrap_or_default().to_owned()),
                    Some("image") => {
                        let source = item
                            .get("source")
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default();
                        let url = image_source_url(&source);
                        if !url.is_empty() {
                            images.push(json!({"type": "image_url", "image_url": {"url": url}}));
                        }
                    }
                    Some("tool_reference") => {
                        let name = field("tool_name").filter(|n| !n.is_empty()).or_else(|| field("name"));
                        if let Some(name) = name.filter(|n| !n.is_empty()) {
                            references.push(json!({"type": "tool_reference", "name": name}));
                        }
                    }
                    _ => {}
                }
            }
            texts.join("\n")
        }
    };
    messages.push(json!({"role": "tool", "tool_call_id": call_id, "content": text}));
    if !images.is_empty() {
        messages.push(json!({"role": "user", "content": images}));
    }
    if !references.is_empty() {
        messages.push(json!({"role": "tool", "tool_call_id": call_id, "content": references}));
    }
}

/// `_resolve_tools`: the declared tools after the system messages' additions and removals, in
/// declaration order (a tool defined anew keeps its place, a new one goes last).
fn tools_in_effect(request: &AnthropicMessagesRequest) -> Result<Option<Vec<AnthropicTool>>, String> {
    let changes: Vec<(BlockKind, &ToolChange)> = request
        .messages
        .iter()
        .flat_map(|message| message.content.blocks())
        .filter(|block| matches!(block.kind, BlockKind::ToolAddition | BlockKind::ToolRemoval))
        .filter_map(|block| Some((block.kind, block.tool.as_ref()?)))
        .collect();
    if changes.is_empty() {
        return Ok(request.tools.clone());
    }
    let mut tools: Vec<AnthropicTool> = request.tools.clone().unwrap_or_default();
    let mut removed: Vec<String> = Vec::new();
    for (kind, change) in changes {
        let name = change.name().to_owned();
        let declared = tools.iter().position(|tool| tool.name == name);
        match (change, declared) {
            (ToolChange::ToolDefinition { definition }, Some(at)) => tools[at] = definition.clone(),
            (ToolChange::ToolDefinition { definition }, None) => tools.push(definition.clone()),
            (ToolChange::ToolReference { .. }, None) => {
                let block = match kind {
                    BlockKind::ToolRemoval => "tool_removal",
                    _ => "tool_addition",
                };
                return Err(format!(
                    "{block} references tool {}, which is not declared in tools",
                    python_str(&name)
                ));
            }
            (ToolChange::ToolReference { .. }, Some(at)) if kind == BlockKind::ToolAddition => {
                tools[at].defer_loading = None;
            }
            (ToolChange::ToolReference { .. }, Some(_)) => {}
        }
        removed.retain(|gone| *gone != name);
        if kind == BlockKind::ToolRemoval {
            removed.push(name);
        }
    }
    tools.retain(|tool| !removed.contains(&tool.name));
    Ok(Some(tools))
}

/// A tool as chat's function tool; `input_schema` gains `"type": "object"` when it has no
/// type (`validate_input_schema`).
fn function_tool(tool: &AnthropicTool) -> Value {
    let mut parameters = tool.input_schema.clone();
    parameters.entry("type").or_insert_with(|| json!("object"));
    json!({"type": "function", "function": {
        "name": tool.name,
        "description": tool.description,
        "parameters": parameters,
        "strict": tool.strict,
        "defer_loading": tool.defer_loading,
    }})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn converted(request: Value) -> Result<Value, String> {
        let request: AnthropicMessagesRequest = serde_json::from_value(request).expect("a Messages request");
        chat_request(&request)
    }

    #[test]
    fn a_tool_round_trip_becomes_chat_messages_as_vllm_makes_them() {
        let chat = converted(json!({
            "model": "m", "max_tokens": 5,
            "system": [{"type": "text", "text": "x-anthropic-billing-header: cch=1"}, {"type": "text", "text": "be nice"}],
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "let me look", "signature": "s"},
                    {"type": "text", "text": "looking"},
                    {"type": "tool_use", "id": "tu1", "name": "get", "input": {"a": 1}},
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "tu1", "content": [
                        {"type": "text", "text": "42"}, {"type": "text", "text": "43"},
                        {"type": "tool_reference", "tool_name": "find"},
                    ]},
                ]},
            ],
        }))
        .expect("converted");
        assert_eq!(
            chat["messages"],
            json!([
                {"role": "system", "content": "be nice"},
                {"role": "user", "content": "hi"},
                {"role": "assistant", "reasoning": "let me look", "content": "looking", "tool_calls": [
                    {"id": "tu1", "type": "function", "function": {"name": "get", "arguments": "{\"a\":1}"}},
                ]},
                // The user message of only a tool result is its tool messages alone.
                {"role": "tool", "tool_call_id": "tu1", "content": "42\n43"},
                {"role": "tool", "tool_call_id": "tu1", "content": [{"type": "tool_reference", "name": "find"}]},
            ])
        );
        assert!(chat.get("tools").is_none() && chat.get("tool_choice").is_none());
    }

    #[test]
    fn an_assistants_tool_result_is_text_and_its_list_pythons_repr() {
        let chat = converted(
            json!({"model": "m", "max_tokens": 5, "messages": [{"role": "assistant", "content": [
                {"type": "tool_result", "content": [{"text": "r"}]},
            ]}]}),
        )
        .expect("converted");
        assert_eq!(
            chat["messages"],
            json!([{"role": "assistant", "content": "Tool result: [{'text': 'r'}]"}])
        );
    }

    #[test]
    fn tools_are_functions_with_auto_choice_and_the_system_messages_changes_applied() {
        let tool = |name: &str| json!({"name": name, "input_schema": {}, "defer_loading": true});
        let chat = converted(json!({
            "model": "m", "max_tokens": 5, "tools": [tool("a"), tool("b")],
            "messages": [
                {"role": "system", "content": [
                    {"type": "tool_addition", "tool": {"type": "tool_reference", "name": "a"}},
                    {"type": "tool_removal", "tool": {"type": "tool_reference", "name": "b"}},
                    {"type": "tool_addition", "tool": {"type": "tool_definition", "definition": {"name": "c", "input_schema": {"type": "string"}}}},
                ]},
                {"role": "user", "content": "q"},
            ],
        }))
        .expect("converted");
        assert_eq!(chat["tool_choice"], "auto");
        assert_eq!(
            chat["tools"],
            json!([
                {"type": "function", "function": {"name": "a", "description": null, "parameters": {"type": "object"}, "strict": null, "defer_loading": null}},
                {"type": "function", "function": {"name": "c", "description": null, "parameters": {"type": "string"}, "strict": null, "defer_loading": null}},
            ])
        );
        // A system message of tool changes only says nothing.
        assert_eq!(chat["messages"], json!([{"role": "user", "content": "q"}]));
    }

    #[test]
    fn a_tool_change_naming_an_undeclared_tool_is_vllms_value_error() {
        let refusal = converted(
            json!({"model": "m", "max_tokens": 5, "messages": [{"role": "system", "content": [
                {"type": "tool_removal", "tool": {"type": "tool_reference", "name": "gone"}},
            ]}]}),
        );
        assert_eq!(
            refusal,
            Err("tool_removal references tool 'gone', which is not declared in tools".to_owned())
        );
    }

    #[test]
    fn the_tool_choice_is_openais() {
        let choice = |choice: Value| {
            converted(json!({"model": "m", "max_tokens": 5, "messages": [], "tool_choice": choice})).expect("converted")
        };
        assert_eq!(choice(json!({"type": "any"}))["tool_choice"], "required");
        assert_eq!(choice(json!({"type": "none"}))["parallel_tool_calls"], true);
        let named = choice(json!({"type": "tool", "name": "get", "disable_parallel_tool_use": true}));
        assert_eq!(
            named["tool_choice"],
            json!({"type": "function", "function": {"name": "get"}})
        );
        assert_eq!(named["parallel_tool_calls"], false);
    }
}
