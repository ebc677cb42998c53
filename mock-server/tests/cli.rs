//! The README's flag table against the CLI's own definitions, so that neither drifts: every
//! flag, its environment variable and its default, as `mock-vllm --help` has them.

use clap::CommandFactory;
use mock_vllm::Config;

/// One row of the table: its flags (or positional name), environment variable and default.
#[derive(Debug)]
struct Row {
    names: Vec<String>,
    env: Option<String>,
    default: String,
}

fn backticked(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

fn readme_rows() -> Vec<Row> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let section = readme
        .split("### Flags")
        .nth(1)
        .and_then(|rest| rest.split("\n### ").next())
        .expect("a ### Flags section");
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            // A `\|` inside a cell is markdown's escaped pipe, not a column.
            let line = line.replace("\\|", "/");
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            Row {
                names: backticked(cells[0])
                    .iter()
                    .map(|flag| flag.split(' ').next().unwrap_or_default().to_owned())
                    .collect(),
                env: backticked(cells[1]).first().map(|env| (*env).to_owned()),
                default: cells[2].to_owned(),
            }
        })
        .collect()
}

fn row_for<'a>(rows: &'a [Row], name: &str) -> Option<&'a Row> {
    rows.iter().find(|row| row.names.iter().any(|n| n == name))
}

#[test]
fn every_flag_is_in_the_readme_with_its_env_and_default() {
    let rows = readme_rows();
    assert!(rows.len() > 20, "the table was found: {rows:?}");
    let command = Config::command();
    for arg in command.get_arguments() {
        let name = match (arg.get_long(), arg.get_value_names()) {
            (Some("help" | "version"), _) => continue,
            (Some(long), _) => format!("--{long}"),
            (None, Some([value_name, ..])) => value_name.to_string(),
            (None, _) => continue,
        };
        let row = row_for(&rows, &name).unwrap_or_else(|| panic!("{name} is not in the README's flag table"));
        let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
        assert_eq!(row.env, env, "{name}: the README's environment variable");
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        if !defaults.is_empty() && arg.get_action().takes_values() {
            let expected = format!("`{}`", defaults.join(","));
            assert!(
                row.default.contains(&expected),
                "{name}: default {expected}, README says {}",
                row.default
            );
        }
    }
}

#[test]
fn every_flag_in_the_readme_exists() {
    let command = Config::command();
    let known: Vec<String> = command
        .get_arguments()
        .flat_map(|arg| {
            arg.get_long()
                .map(|long| format!("--{long}"))
                .into_iter()
                .chain(arg.get_value_names().into_iter().flatten().map(|v| v.to_string()))
        })
        .collect();
    for row in readme_rows() {
        for name in row.names {
            assert!(
                known.contains(&name),
                "the README documents {name}, which mock-vllm does not have"
            );
        }
    }
}
