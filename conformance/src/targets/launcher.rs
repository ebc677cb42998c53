//! A gateway (or a mock) run as a local process or a container: started, its output kept,
//! waited for until it answers, and stopped.
//!
//! One helper for every local gateway, so that each target only says what to run. A launch
//! that was asked for and does not come up is a [`StartError::Failed`] carrying the exit status
//! and the last lines of output, reported within a second of the process exiting rather than
//! after the readiness timeout.

use std::borrow::Cow;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use testcontainers::core::logs::LogFrame;
use testcontainers::core::{ContainerPort, Host};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use super::{LogCapture, StartError};

/// How many lines of output an error message quotes.
const TAIL_LINES: usize = 15;

/// What to run.
#[derive(Debug, Clone)]
pub enum Launch {
    Process {
        program: PathBuf,
        args: Vec<OsString>,
        env: Vec<(String, String)>,
        /// The port its configuration makes it listen on, on loopback.
        port: u16,
    },
    Container(ContainerLaunch),
}

#[derive(Debug, Clone, Default)]
pub struct ContainerLaunch {
    /// `name:tag`, present locally (nothing is pulled on every machine).
    pub image: String,
    pub cmd: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Files copied in before it starts: (path in the container, content).
    pub files: Vec<(String, Vec<u8>)>,
    /// The port it listens on inside; published on a free port of the host.
    pub port: u16,
    /// A Docker network to join (created when missing, removed with its last container).
    pub network: Option<String>,
    /// The container's name: how others on its network reach it.
    pub name: Option<String>,
}

/// When a launched server counts as up.
#[derive(Debug, Clone)]
pub struct Readiness {
    /// A path to GET on it.
    pub path: Cow<'static, str>,
    /// Whether the answer's status means ready; any answer at all is `|_| true`.
    pub ready: fn(u16) -> bool,
    pub timeout: Duration,
}

enum Runtime {
    Process(Child),
    Container(Box<ContainerAsync<GenericImage>>),
}

/// A launched server and its output.
pub struct Launched {
    name: String,
    runtime: Mutex<Option<Runtime>>,
    log: LogCapture,
    /// The tasks copying a process's output into `log`; they end when it closes its pipes.
    readers: Mutex<Vec<JoinHandle<()>>>,
    /// `127.0.0.1:<port>`, where this machine reaches it.
    address: String,
}

impl Launched {
    /// Starts `launch` and waits until it answers `readiness`.
    pub async fn start(name: &str, launch: Launch, readiness: Readiness) -> Result<Self, StartError> {
        let log = LogCapture::default();
        let mut readers = Vec::new();
        let (runtime, address) = match launch {
            Launch::Process {
                program,
                args,
                env,
                port,
            } => {
                let mut child = Command::new(&program)
                    .args(&args)
                    .envs(env)
                    // Its own process group, so that stopping it stops what it forked too
                    // (nginx's workers, which otherwise keep serving on its port).
                    .process_group(0)
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .kill_on_drop(true)
                    .spawn()
                    .map_err(|e| StartError::Failed(format!("{name}: cannot start {}: {e}", program.display())))?;
                readers.extend(keep_output(child.stdout.take(), &log));
                readers.extend(keep_output(child.stderr.take(), &log));
                (Runtime::Process(child), format!("127.0.0.1:{port}"))
            }
            Launch::Container(container) => {
                let image = container.image.clone();
                start_container(container, &log)
                    .await
                    .map_err(|e| StartError::Failed(format!("{name}: cannot run {image}: {e}")))?
            }
        };
        let launched = Launched {
            name: name.to_owned(),
            runtime: Mutex::new(Some(runtime)),
            log,
            readers: Mutex::new(readers),
            address,
        };
        launched.wait_ready(&readiness).await?;
        Ok(launched)
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// Its stdout and stderr so far.
    pub fn log(&self) -> &LogCapture {
        &self.log
    }

    pub async fn stop(&self) {
        match self.runtime.lock().await.take() {
            Some(Runtime::Process(mut child)) => stop_group(&mut child).await,
            Some(Runtime::Container(container)) => {
                let _ = container.rm().await;
            }
            None => {}
        }
    }

    async fn wait_ready(&self, readiness: &Readiness) -> Result<(), StartError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap_or_default();
        let url = format!("http://{}{}", self.address, readiness.path);
        // Ready, or exited (how); nothing yet.
        let outcome = crate::poll::poll(readiness.timeout, Duration::from_millis(100), || async {
            if let Some(exit) = self.exited().await {
                return Some(Err(exit));
            }
            match http.get(&url).send().await {
                Ok(response) if (readiness.ready)(response.status().as_u16()) => Some(Ok(())),
                _ => None,
            }
        })
        .await;
        match outcome {
            Some(Ok(())) => Ok(()),
            Some(Err(exit)) => {
                // Its last words may still be in the pipes.
                for reader in self.readers.lock().await.drain(..) {
                    let _ = tokio::time::timeout(Duration::from_secs(1), reader).await;
                }
                self.stop().await;
                Err(StartError::Failed(format!(
                    "{} exited ({exit}) before it answered; its last lines:\n{}",
                    self.name,
                    self.log.tail(TAIL_LINES)
                )))
            }
            None => {
                self.stop().await;
                Err(StartError::Failed(format!(
                    "{} did not answer GET {} within {:?}; its last lines:\n{}",
                    self.name,
                    readiness.path,
                    readiness.timeout,
                    self.log.tail(TAIL_LINES)
                )))
            }
        }
    }

    /// How it ended, if it has.
    async fn exited(&self) -> Option<String> {
        match self.runtime.lock().await.as_mut()? {
            Runtime::Process(child) => child.try_wait().ok().flatten().map(|status| status.to_string()),
            Runtime::Container(container) => match container.is_running().await {
                Ok(false) => Some(match container.exit_code().await {
                    Ok(Some(code)) => format!("exit status: {code}"),
                    _ => "stopped".to_owned(),
                }),
                _ => None,
            },
        }
    }
}

/// How long a stopped process has to exit after SIGTERM before its group is killed.
const GRACE: Duration = Duration::from_secs(5);

/// Stops `child` and the process group it leads: SIGTERM, as `docker stop` asks, then
/// SIGKILL for whatever is left after [`GRACE`].
async fn stop_group(child: &mut Child) {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;

    let Some(pid) = child.id().and_then(|id| i32::try_from(id).ok()) else {
        return; // It has exited already.
    };
    let group = Pid::from_raw(pid);
    if killpg(group, Signal::SIGTERM).is_ok() && tokio::time::timeout(GRACE, child.wait()).await.is_ok() {
        // The leader is gone; its group may not be (a worker that ignores SIGTERM).
        let _ = killpg(group, Signal::SIGKILL);
        return;
    }
    let _ = killpg(group, Signal::SIGKILL);
    let _ = child.wait().await;
}

/// Whether the Docker daemon has `image` locally; `None` without a working docker command.
pub async fn image_present(image: &str) -> Option<bool> {
    let output = Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}", image])
        .stdin(Stdio::null())
        .output()
        .await
        .ok()?;
    if output.status.success() {
        return Some(true);
    }
    // "No such image" is an answer; a daemon that is down is not.
    let stderr = String::from_utf8_lossy(&output.stderr).to_lowercase();
    stderr.contains("no such image").then_some(false)
}

/// Copies a child's output into `log` as it comes.
fn keep_output(output: Option<impl AsyncRead + Unpin + Send + 'static>, log: &LogCapture) -> Option<JoinHandle<()>> {
    let mut output = output?;
    let log = log.clone();
    Some(tokio::spawn(async move {
        let mut buf = [0u8; 8192];
        while let Ok(n) = output.read(&mut buf).await {
            if n == 0 {
                break;
            }
            log.append(&buf[..n]);
        }
    }))
}

async fn start_container(launch: ContainerLaunch, log: &LogCapture) -> Result<(Runtime, String), String> {
    let (name, tag) = launch.image.rsplit_once(':').unwrap_or((&launch.image, "latest"));
    let capture = log.clone();
    let mut request = GenericImage::new(name, tag)
        .with_exposed_port(ContainerPort::Tcp(launch.port))
        .with_host("host.docker.internal", Host::HostGateway)
        .with_log_consumer(move |frame: &LogFrame| match frame {
            LogFrame::StdOut(bytes) | LogFrame::StdErr(bytes) => capture.append(bytes),
        })
        .with_cmd(launch.cmd);
    for (key, value) in launch.env {
        request = request.with_env_var(key, value);
    }
    for (path, content) in launch.files {
        request = request.with_copy_to(path, content);
    }
    if let Some(network) = launch.network {
        request = request.with_network(network);
    }
    if let Some(name) = launch.name {
        request = request.with_container_name(name);
    }
    let container = request.start().await.map_err(|e| e.to_string())?;
    let port = container
        .get_host_port_ipv4(launch.port)
        .await
        .map_err(|e| format!("no port published for {}: {e}", launch.port))?;
    Ok((Runtime::Container(Box::new(container)), format!("127.0.0.1:{port}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any_answer() -> Readiness {
        Readiness {
            path: "/".into(),
            ready: |_| true,
            timeout: Duration::from_secs(30),
        }
    }

    fn process(program: &str, args: &[&str]) -> Launch {
        Launch::Process {
            program: program.into(),
            args: args.iter().map(OsString::from).collect(),
            env: vec![],
            port: 9,
        }
    }

    #[tokio::test]
    async fn a_process_that_exits_fails_at_once_with_its_status_and_output() {
        let started = tokio::time::Instant::now();
        let launch = process("sh", &["-c", "echo config rejected >&2; exit 3"]);
        let err = Launched::start("gw", launch, any_answer()).await.err().unwrap();
        let StartError::Failed(message) = err else {
            panic!("a failure, not a skip")
        };
        assert!(message.contains("exit status: 3"), "{message}");
        assert!(message.contains("config rejected"), "{message}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not after the readiness timeout"
        );
    }

    #[tokio::test]
    async fn a_program_that_does_not_exist_fails() {
        let err = Launched::start("gw", process("/nonexistent/gateway", &[]), any_answer())
            .await
            .err()
            .unwrap();
        assert!(
            matches!(&err, StartError::Failed(m) if m.contains("/nonexistent/gateway")),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_process_that_never_answers_times_out_with_its_output() {
        let readiness = Readiness {
            timeout: Duration::from_millis(300),
            ..any_answer()
        };
        let err = Launched::start("gw", process("sh", &["-c", "echo waiting; sleep 30"]), readiness)
            .await
            .err()
            .unwrap();
        assert!(
            matches!(&err, StartError::Failed(m) if m.contains("did not answer") && m.contains("waiting")),
            "{err:?}"
        );
    }
}
