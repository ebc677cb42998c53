//! `command`: any gateway, described by a file instead of Rust: the program to run, its config
//! as a template, when it is ready, how its access lines read and how a client reaches the
//! workshop's route on it. `CONFORMANCE_COMMAND` names the file (relative paths from the
//! current folder, else from the workspace); `conformance/gateways/nginx.yaml` is the example,
//! and runs nginx with the results of the `nginx` target.
//!
//! Placeholders in the command, the files and the client's key: `{{vllm}}` and `{{replica}}`
//! (`host:port` of the two vLLM replicas), `{{api_key}}` (the Secret's value), `{{port}}` (a
//! free port on loopback for the gateway to listen on) and `{{dir}}` (the run's folder, where
//! the files are written).

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use regex::Regex;
use serde::Deserialize;

use super::access_log::without_query;
use super::gateway::{ConfiguredRoutes, Gateway, Plan, PlanError, RouteTo, command_output};
use super::launcher::{Launch, Readiness};
use super::{AccessRecord, Capability, StartError};
use crate::client::ClientRoute;
use crate::settings::Settings;

/// The setting that names the file.
pub const SETTING: &str = "CONFORMANCE_COMMAND";

/// A gateway as its file describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandFile {
    /// How the reports name it, e.g. `nginx`.
    pub name: String,
    /// The gateway whose rows of the features' tables it is held to; the `default` rows
    /// without it.
    #[serde(default)]
    pub rows: Option<String>,
    /// The program and its arguments.
    pub command: Vec<String>,
    /// A command whose first line of output is its version.
    #[serde(default)]
    pub version: Option<Vec<String>>,
    /// Files written to `{{dir}}` before it starts: name → contents.
    #[serde(default)]
    pub files: indexmap::IndexMap<String, String>,
    /// A path to GET; it is ready when that answers with a status below 500.
    pub ready: String,
    /// How the workshop's client reaches the route.
    pub route: CommandRoute,
    /// It sends vLLM the key it holds, whatever the client sent.
    #[serde(default)]
    pub injects_key: bool,
    /// A regular expression for its access line, with the named groups `method`, `path` and
    /// `status`, and optionally `route` and `endpoint`.
    pub access_log: String,
    /// Its routes for the `@configured` scenarios.
    #[serde(default)]
    pub configured: Option<CommandConfigured>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandRoute {
    /// What comes before OpenAI's paths (`/qwen3`); none where it serves them itself.
    #[serde(default)]
    pub prefix: String,
    /// Where Step 6's curl posts: the prefix itself by default.
    #[serde(default)]
    pub embeddings_path: Option<String>,
    /// The key the client sends, if any (`{{api_key}}` where the client must send vLLM's).
    #[serde(default)]
    pub key: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandConfigured {
    pub timeout: CommandRouteTo,
    pub failover: CommandRouteTo,
    pub balanced: CommandRouteTo,
    pub streaming: CommandRouteTo,
    /// Where it checks vLLM's `/health` every second; left out where it has no such checks.
    #[serde(default)]
    pub health_checked: Option<CommandRouteTo>,
}

/// `prefix: /configured/timeout` or `model: qwen3-timeout`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum CommandRouteTo {
    Prefix {
        prefix: String,
    },
    Model {
        model: String,
    },
    /// `workshop: true`: the workshop's own route does it already.
    Workshop {
        workshop: bool,
    },
}

impl CommandRouteTo {
    /// As the suite's routes are: read once per run, kept for it.
    fn leak(&self) -> RouteTo {
        match self {
            CommandRouteTo::Prefix { prefix } => RouteTo::Prefix(leak(prefix)),
            CommandRouteTo::Model { model } => RouteTo::Model(leak(model)),
            CommandRouteTo::Workshop { .. } => RouteTo::Workshop,
        }
    }
}

/// A file's strings live as long as the run, like the compiled-in gateways' constants.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

/// Why the file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CommandFileError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Parse {
        path: PathBuf,
        source: serde_yaml_ng::Error,
    },
    #[error("{path}: access_log: {source}")]
    Pattern { path: PathBuf, source: regex::Error },
    #[error("{path}: access_log has no `{group}` group")]
    Group { path: PathBuf, group: &'static str },
    #[error("{path}: command is empty")]
    NoCommand { path: PathBuf },
}

impl CommandFile {
    pub fn load(path: &Path) -> Result<Self, CommandFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| CommandFileError::Read {
            path: path.to_owned(),
            source,
        })?;
        let file: CommandFile = serde_yaml_ng::from_str(&text).map_err(|source| CommandFileError::Parse {
            path: path.to_owned(),
            source,
        })?;
        if file.command.is_empty() {
            return Err(CommandFileError::NoCommand { path: path.to_owned() });
        }
        file.pattern(path)?;
        Ok(file)
    }

    fn pattern(&self, path: &Path) -> Result<Regex, CommandFileError> {
        let pattern = Regex::new(&self.access_log).map_err(|source| CommandFileError::Pattern {
            path: path.to_owned(),
            source,
        })?;
        let names: Vec<&str> = pattern.capture_names().flatten().collect();
        if let Some(group) = ["method", "path", "status"].into_iter().find(|g| !names.contains(g)) {
            return Err(CommandFileError::Group {
                path: path.to_owned(),
                group,
            });
        }
        Ok(pattern)
    }
}

/// The file `CONFORMANCE_COMMAND` names: as given, else from the workspace (`cargo test` runs
/// in the package's folder).
fn file_path(settings: &Settings) -> Option<PathBuf> {
    let given = PathBuf::from(settings.env.get(SETTING)?);
    let from_workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(&given);
    Some(if given.exists() || given.is_absolute() {
        given
    } else {
        from_workspace
    })
}

/// A gateway from its file.
pub struct Command {
    file: CommandFile,
    path: PathBuf,
    pattern: Regex,
    /// The file's `configured` routes, made once: their strings live for the run.
    configured: Option<ConfiguredRoutes>,
    api_key: String,
}

/// `text` with the run's values in its placeholders.
fn fill(text: &str, plan: &Plan<'_>) -> String {
    text.replace("{{vllm}}", &plan.vllm)
        .replace("{{replica}}", &plan.replica)
        .replace("{{api_key}}", &plan.workshop.api_key)
        .replace("{{port}}", &plan.port.to_string())
        .replace("{{dir}}", &plan.dir().display().to_string())
}

#[async_trait]
impl Gateway for Command {
    const NAME: &'static str = "command";
    /// A gateway known only by its file may keep what one scenario's requests did (nginx's
    /// `max_fails` marks) into the next; it starts afresh for each.
    const FRESH_PER_SCENARIO: bool = true;

    /// Read from the file; a file that cannot be read offers nothing, and `find` says why.
    fn capabilities(settings: &Settings) -> Vec<Capability> {
        let Some(file) = file_path(settings).and_then(|path| CommandFile::load(&path).ok()) else {
            return vec![Capability::Gateway];
        };
        let mut offers = vec![Capability::Gateway];
        if file.injects_key {
            offers.push(Capability::InjectsKey);
        }
        if !file.route.prefix.is_empty() {
            offers.push(Capability::RoutePrefix);
        }
        if let Some(configured) = &file.configured {
            offers.push(Capability::Configured);
            if configured.health_checked.is_some() {
                offers.push(Capability::HealthChecks);
            }
        }
        offers
    }

    fn configured(&self) -> Option<ConfiguredRoutes> {
        self.configured
    }

    fn rows(&self) -> &str {
        self.file.rows.as_deref().unwrap_or("default")
    }

    fn find(settings: &Settings) -> Result<Self, StartError> {
        let path = file_path(settings).ok_or_else(|| {
            StartError::Absent(format!(
                "no gateway file (set {SETTING}, e.g. to conformance/gateways/nginx.yaml)"
            ))
        })?;
        // Named, so pointed at: a file that does not load fails the run.
        let file = CommandFile::load(&path).map_err(|e| StartError::Failed(e.to_string()))?;
        let pattern = file.pattern(&path).map_err(|e| StartError::Failed(e.to_string()))?;
        let configured = file.configured.as_ref().map(|c| ConfiguredRoutes {
            timeout: c.timeout.leak(),
            failover: c.failover.leak(),
            balanced: c.balanced.leak(),
            streaming: c.streaming.leak(),
            health_checked: c.health_checked.as_ref().map(CommandRouteTo::leak),
        });
        Ok(Command {
            file,
            path,
            pattern,
            configured,
            api_key: settings.workshop.api_key.clone(),
        })
    }

    fn launch(&self, plan: &Plan<'_>) -> Result<Launch, PlanError> {
        for (name, contents) in &self.file.files {
            plan.write(name, fill(contents, plan))?;
        }
        let mut command = self.file.command.iter().map(|arg| fill(arg, plan));
        let program = command.next().unwrap_or_default();
        Ok(Launch::Process {
            program: program.into(),
            args: command.map(Into::into).collect(),
            env: vec![],
            port: plan.port,
        })
    }

    fn readiness(&self) -> Readiness {
        Readiness {
            path: self.file.ready.clone().into(),
            ready: |status| status < 500,
            timeout: Duration::from_secs(60),
        }
    }

    fn access_line(&self, line: &str) -> Option<AccessRecord> {
        let found = self.pattern.captures(line)?;
        let group = |name: &str| found.name(name).map(|m| m.as_str().to_owned());
        Some(AccessRecord {
            method: group("method")?,
            path: without_query(&group("path")?),
            status: group("status").and_then(|s| s.parse().ok()),
            route: group("route").filter(|r| !r.is_empty() && r != "-"),
            endpoint: group("endpoint").filter(|e| !e.is_empty() && e != "-"),
            line: line.to_owned(),
        })
    }

    fn route(&self, address: &str) -> ClientRoute {
        let route = &self.file.route;
        ClientRoute {
            origin: format!("http://{address}"),
            prefix: route.prefix.clone(),
            embeddings_path: route.embeddings_path.clone().unwrap_or_else(|| {
                if route.prefix.is_empty() {
                    crate::client::Call::Embeddings.api_path().to_owned()
                } else {
                    route.prefix.clone()
                }
            }),
            key: route.key.as_ref().map(|key| key.replace("{{api_key}}", &self.api_key)),
            model_name: None,
        }
    }

    fn implementation(&self) -> String {
        format!("{} (command: {})", self.file.name, self.path.display())
    }

    async fn version(&self, _address: &str) -> Option<String> {
        let (program, args) = self.file.version.as_ref()?.split_first()?;
        command_output(tokio::process::Command::new(program).args(args)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("gateways/nginx.yaml")
    }

    #[test]
    fn the_nginx_example_loads_and_reads_the_nginx_targets_lines() {
        let file = CommandFile::load(&example()).unwrap();
        assert_eq!(file.rows.as_deref(), Some("nginx"));
        assert!(file.injects_key && file.configured.is_some());
        let command = Command {
            pattern: file.pattern(&example()).unwrap(),
            configured: None,
            file,
            path: example(),
            api_key: "k".into(),
        };
        let line = r#"nginx-access method=POST uri="/qwen3?x=1" status=200 upstream="127.0.0.1:8000" upstream_status="200" request_time=0.001"#;
        let record = command.access_line(line).unwrap();
        assert_eq!(
            (record.method.as_str(), record.path.as_str(), record.status),
            ("POST", "/qwen3", Some(200))
        );
        assert_eq!(record.endpoint.as_deref(), Some("127.0.0.1:8000"));
        assert!(
            command
                .access_line("2026/12/02 [notice] start worker process")
                .is_none()
        );
        let route = command.route("127.0.0.1:1");
        assert_eq!(
            (route.prefix.as_str(), route.embeddings_path.as_str()),
            ("/qwen3", "/qwen3")
        );
        assert_eq!(route.key, None);
    }

    #[test]
    fn a_pattern_without_its_groups_is_refused_with_the_files_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gw.yaml");
        std::fs::write(
            &path,
            "name: gw\ncommand: [gw]\nready: /\nroute: {}\naccess_log: '(?P<method>\\S+) (?P<path>\\S+)'\n",
        )
        .unwrap();
        let err = CommandFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("gw.yaml") && err.contains("`status`"), "{err}");
        std::fs::write(
            &path,
            "name: gw\ncommand: [gw]\nready: /\nroute: {}\naccess_log: x\nbogus: 1\n",
        )
        .unwrap();
        let err = CommandFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("bogus"), "{err}");
    }
}
