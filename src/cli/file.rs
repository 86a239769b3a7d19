//! `--config FILE`: flags from a TOML file, one key per flag (`max-depth = 30`,
//! `cors-origins = ["https://editor.example.org"]`).
//!
//! A flag on the command line wins over its `SCS_…` variable, which wins over the file, which
//! wins over the default. The file's keys become flags of the command being run, so a value
//! goes through exactly the parser and checks of the flag it names. Commands other than
//! `serve` take the keys they have flags for (`data-dir`) and pass over the rest.

use std::ffi::OsString;
use std::path::Path;

use anyhow::{bail, Context as _};
use clap::parser::ValueSource;
use clap::{Arg, ArgMatches, Command};

/// `argv` with the file's settings added as flags, for the ones not already set on the
/// command line or in the environment. A key that is no flag of `serve` is refused (a typo
/// must not pass for a setting); commands other than `serve` take the keys they know.
pub fn with_file_settings(
    root: &Command,
    matches: &ArgMatches,
    file: &Path,
    mut argv: Vec<OsString>,
) -> anyhow::Result<Vec<OsString>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", file.display()))?;
    // The command being run: the innermost subcommand (`token create`), or `serve` when none
    // is given (its flags are the root's).
    let (mut command, mut command_matches, mut path) = (root, matches, Vec::new());
    while let Some((name, sub)) = command_matches.subcommand() {
        match command.find_subcommand(name) {
            Some(found) => (command, command_matches) = (found, sub),
            None => bail!("unknown command {name}"),
        }
        path.push(name);
    }
    let serving = path.is_empty() || path == ["serve"];
    for (key, value) in &table {
        let long = key.replace('_', "-");
        let named = |arg: &&Arg| arg.get_long() == Some(long.as_str()) && long != "config";
        let own = command.get_arguments().find(named);
        // Global flags (`log-format`) are defined on the root and apply to every command.
        let Some(arg) = own.or_else(|| root.get_arguments().filter(|a| a.is_global_set()).find(named)) else {
            if serving {
                bail!(
                    "{}: `{key}` is not a setting (the settings are serve's flags: see --help)",
                    file.display()
                );
            }
            continue;
        };
        let id = arg.get_id().as_str();
        let source = if own.is_some() { command_matches.value_source(id) } else { matches.value_source(id) };
        if matches!(source, Some(ValueSource::CommandLine | ValueSource::EnvVariable)) {
            continue;
        }
        argv.extend(as_flags(&long, arg, value).with_context(|| format!("{}: `{key}`", file.display()))?);
    }
    Ok(argv)
}

/// The flags that say what `value` says for the flag `--long`.
fn as_flags(long: &str, arg: &Arg, value: &toml::Value) -> anyhow::Result<Vec<OsString>> {
    if !arg.get_action().takes_values() {
        // A switch (`only-persisted = true`): present or absent.
        return match value {
            toml::Value::Boolean(true) => Ok(vec![format!("--{long}").into()]),
            toml::Value::Boolean(false) => Ok(Vec::new()),
            _ => bail!("expected true or false"),
        };
    }
    let text = match value {
        // An empty list sets nothing: the default (none) stands.
        toml::Value::Array(items) if items.is_empty() => return Ok(Vec::new()),
        toml::Value::Array(items) => items.iter().map(scalar).collect::<anyhow::Result<Vec<_>>>()?.join(","),
        other => scalar(other)?,
    };
    Ok(vec![format!("--{long}={text}").into()])
}

fn scalar(value: &toml::Value) -> anyhow::Result<String> {
    Ok(match value {
        toml::Value::String(text) => text.clone(),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(x) => x.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(_) | toml::Value::Table(_) => bail!("expected a value or a list of values"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(arg: Arg, value: &str) -> anyhow::Result<Vec<String>> {
        let value: toml::Value = toml::from_str::<toml::Table>(&format!("v = {value}"))?["v"].clone();
        Ok(as_flags("name", &arg, &value)?.into_iter().map(|f| f.to_string_lossy().into_owned()).collect())
    }

    #[test]
    fn values_become_flags_and_switches_are_present_or_absent() -> anyhow::Result<()> {
        let valued = || Arg::new("name").long("name");
        assert_eq!(flags(valued(), "30")?, ["--name=30"]);
        assert_eq!(flags(valued(), r#""500ms""#)?, ["--name=500ms"]);
        assert_eq!(flags(valued(), "false")?, ["--name=false"]);
        assert_eq!(
            flags(valued(), r#"["https://a.example", "https://b.example"]"#)?,
            ["--name=https://a.example,https://b.example"]
        );
        assert!(flags(valued(), "[]")?.is_empty());
        assert!(flags(valued(), "{ a = 1 }").is_err());
        assert!(flags(valued(), "[[1]]").is_err());
        let switch = || Arg::new("name").long("name").action(clap::ArgAction::SetTrue);
        assert_eq!(flags(switch(), "true")?, ["--name"]);
        assert!(flags(switch(), "false")?.is_empty());
        assert!(flags(switch(), "1").is_err());
        Ok(())
    }
}
