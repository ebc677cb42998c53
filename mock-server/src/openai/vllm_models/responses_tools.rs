//! The OpenAI SDK's `Tool` as vLLM 0.33.0's `ResponsesRequest` takes it: a union of 16 SDK
//! models, tried in turn (the SDK's discriminator is its own annotation, which pydantic does not
//! read), so a tool none of them takes gets every model's errors, each under its class name.
//!
//! Each model's own fields are here in the SDK's order, with their types; the models nested in
//! them (a file search's filters, an MCP server's approval filter, a web search's location...)
//! are taken as they come, but for a shell's environment, whose name a computer tool shares. The SDK's models keep unknown fields, and vLLM echoes a tool as the
//! model dumps it: its fields in order, `null` where not given, then the unknown ones.

use super::{BOOL, NULLABLE_STR, list, nullable};
use crate::openai::pydantic::{Field, INT, Object, STR, Schema};

const fn sdk_model(name: &'static str, fields: &'static [Field]) -> Object {
    Object {
        name,
        tagged: true,
        fields,
        before: &[],
    }
}

const NULLABLE_BOOL: Schema = nullable(&BOOL);
const NULLABLE_INT: Schema = nullable(&INT);
const NULLABLE_DICT: Schema = nullable(&Schema::Dict(&Schema::Any));
const CALLERS: Field = Field::optional(
    "allowed_callers",
    nullable(&list(&Schema::Literal(&["direct", "programmatic"]))),
);
const CONTEXT_SIZE: Field = Field::optional(
    "search_context_size",
    nullable(&Schema::Literal(&["low", "medium", "high"])),
);

const fn kind(literals: &'static [&'static str]) -> Field {
    Field::required("type", Schema::Literal(literals))
}

/// The union's models, in the SDK's order.
pub static TOOL_MODELS: [Object; 16] = [
    sdk_model(
        "FunctionTool",
        &[
            Field::required("name", STR),
            Field::optional("parameters", NULLABLE_DICT),
            Field::optional("strict", NULLABLE_BOOL),
            kind(&["function"]),
            CALLERS,
            Field::optional("async", NULLABLE_BOOL),
            Field::optional("defer_loading", NULLABLE_BOOL),
            Field::optional("description", NULLABLE_STR),
            Field::optional("output_schema", NULLABLE_DICT),
        ],
    ),
    sdk_model(
        "FileSearchTool",
        &[
            kind(&["file_search"]),
            Field::required("vector_store_ids", list(&STR)),
            Field::optional("filters", Schema::Any),
            Field::optional("max_num_results", NULLABLE_INT),
            Field::optional("ranking_options", Schema::Any),
        ],
    ),
    sdk_model("ComputerTool", &[kind(&["computer"])]),
    sdk_model(
        "ComputerUsePreviewTool",
        &[
            Field::required("display_height", INT),
            Field::required("display_width", INT),
            Field::required(
                "environment",
                Schema::Literal(&["windows", "mac", "linux", "ubuntu", "browser"]),
            ),
            kind(&["computer_use_preview"]),
        ],
    ),
    sdk_model(
        "WebSearchTool",
        &[
            kind(&["web_search", "web_search_2025_08_26"]),
            Field::optional("external_web_access", NULLABLE_BOOL),
            Field::optional("filters", Schema::Any),
            CONTEXT_SIZE,
            Field::optional("user_location", Schema::Any),
        ],
    ),
    sdk_model(
        "Mcp",
        &[
            Field::required("server_label", STR),
            kind(&["mcp"]),
            CALLERS,
            Field::optional("allowed_tools", Schema::Any),
            Field::optional("authorization", NULLABLE_STR),
            Field::optional("connector_id", Schema::Any),
            Field::optional("defer_loading", NULLABLE_BOOL),
            Field::optional("headers", nullable(&Schema::Dict(&STR))),
            Field::optional("require_approval", Schema::Any),
            Field::optional("server_description", NULLABLE_STR),
            Field::optional("server_url", NULLABLE_STR),
            Field::optional("tunnel_id", NULLABLE_STR),
        ],
    ),
    sdk_model(
        "CodeInterpreter",
        &[
            Field::required("container", Schema::Any),
            kind(&["code_interpreter"]),
            CALLERS,
        ],
    ),
    sdk_model("ProgrammaticToolCalling", &[kind(&["programmatic_tool_calling"])]),
    sdk_model(
        "ImageGeneration",
        &[
            kind(&["image_generation"]),
            Field::optional("action", nullable(&Schema::Literal(&["generate", "edit", "auto"]))),
            Field::optional(
                "background",
                nullable(&Schema::Literal(&["transparent", "opaque", "auto"])),
            ),
            Field::optional("complexity", nullable(&Schema::Literal(&["low", "medium", "high"]))),
            Field::optional("frame_count", NULLABLE_INT),
            Field::optional("frame_duration_ms", NULLABLE_INT),
            Field::optional("input_fidelity", nullable(&Schema::Literal(&["high", "low"]))),
            Field::optional("input_image_mask", Schema::Any),
            Field::optional("model", Schema::Any),
            Field::optional("moderation", nullable(&Schema::Literal(&["auto", "low"]))),
            Field::optional("output_compression", NULLABLE_INT),
            Field::optional(
                "output_format",
                nullable(&Schema::Literal(&["png", "webp", "jpeg", "gif", "svg"])),
            ),
            Field::optional("partial_images", NULLABLE_INT),
            Field::optional(
                "quality",
                nullable(&Schema::Literal(&["low", "medium", "high", "xhigh", "max", "auto"])),
            ),
            Field::optional("size", Schema::Any),
            Field::optional("svg", Schema::Any),
        ],
    ),
    sdk_model("LocalShell", &[kind(&["local_shell"])]),
    sdk_model(
        "FunctionShellTool",
        &[
            kind(&["shell"]),
            CALLERS,
            Field::optional(
                "environment",
                nullable(&Schema::Union(&[
                    Schema::Opaque("ContainerAuto"),
                    Schema::Opaque("LocalEnvironment"),
                    Schema::Opaque("ContainerReference"),
                ])),
            ),
        ],
    ),
    sdk_model(
        "CustomTool",
        &[
            Field::required("name", STR),
            kind(&["custom"]),
            CALLERS,
            Field::optional("async", NULLABLE_BOOL),
            Field::optional("defer_loading", NULLABLE_BOOL),
            Field::optional("description", NULLABLE_STR),
            Field::optional("format", Schema::Any),
        ],
    ),
    sdk_model(
        "NamespaceTool",
        &[
            Field::required("description", STR),
            Field::required("name", STR),
            Field::required("tools", list(&Schema::Any)),
            kind(&["namespace"]),
        ],
    ),
    sdk_model(
        "ToolSearchTool",
        &[
            kind(&["tool_search"]),
            Field::optional("description", NULLABLE_STR),
            Field::optional("execution", nullable(&Schema::Literal(&["server", "client"]))),
            Field::optional("parameters", Schema::Any),
        ],
    ),
    sdk_model(
        "WebSearchPreviewTool",
        &[
            kind(&["web_search_preview", "web_search_preview_2025_03_11"]),
            Field::optional(
                "search_content_types",
                nullable(&list(&Schema::Literal(&["text", "image"]))),
            ),
            CONTEXT_SIZE,
            Field::optional("user_location", Schema::Any),
        ],
    ),
    sdk_model("ApplyPatchTool", &[kind(&["apply_patch"]), CALLERS]),
];

/// `Tool`: the union of [`TOOL_MODELS`].
pub static TOOL: Schema = Schema::Union(&[
    Schema::Model(&TOOL_MODELS[0]),
    Schema::Model(&TOOL_MODELS[1]),
    Schema::Model(&TOOL_MODELS[2]),
    Schema::Model(&TOOL_MODELS[3]),
    Schema::Model(&TOOL_MODELS[4]),
    Schema::Model(&TOOL_MODELS[5]),
    Schema::Model(&TOOL_MODELS[6]),
    Schema::Model(&TOOL_MODELS[7]),
    Schema::Model(&TOOL_MODELS[8]),
    Schema::Model(&TOOL_MODELS[9]),
    Schema::Model(&TOOL_MODELS[10]),
    Schema::Model(&TOOL_MODELS[11]),
    Schema::Model(&TOOL_MODELS[12]),
    Schema::Model(&TOOL_MODELS[13]),
    Schema::Model(&TOOL_MODELS[14]),
    Schema::Model(&TOOL_MODELS[15]),
]);

/// The model of a tool's `type`, whose fields its echo lists.
pub fn tool_model(kind: &str) -> Option<&'static Object> {
    TOOL_MODELS.iter().find(|model| {
        model.fields.iter().any(|field| {
            field.name == "type" && matches!(field.schema, Schema::Literal(literals) if literals.contains(&kind))
        })
    })
}
