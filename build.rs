//! Build script: embeds the GraphiQL playground's third-party assets in the binary.
//!
//! The assets (GraphiQL, React, ReactDOM) come from the npm registry, pinned by
//! `playground/package.json` and `playground/package-lock.json`. They are never committed:
//! this script copies both files into `$OUT_DIR/playground/`, runs `npm ci` there (when npm
//! is on `PATH` and that install isn't already done) and generates
//! `$OUT_DIR/playground_assets.rs`, which `src/http/playground.rs` includes:
//!
//! * with the files installed, every asset is `include_bytes!`-ed and the cfg
//!   `playground_embedded` is set, so the server hosts the playground itself;
//! * without npm, or if `npm ci` fails, the build still succeeds (with a `cargo:warning`) and the
//!   page loads the same pinned versions from a CDN, checked by Subresource Integrity hashes,
//!   unless `SCS_REQUIRE_PLAYGROUND_ASSETS=1` (CI, Dockerfile): then the build fails.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Set to `1` to make the build fail instead of falling back to the CDN.
const REQUIRE_ENV: &str = "SCS_REQUIRE_PLAYGROUND_ASSETS";

/// Where the page loads the assets from when they aren't embedded.
const CDN: &str = "https://cdn.jsdelivr.net/npm";

/// What the page needs, in the order the page loads it.
///
/// `version` must match the exact pin in `playground/package.json` (checked below) and
/// `integrity` is the SHA-384 of the file as published on npm (checked against the embedded
/// bytes by a unit test in `src/http/playground.rs`). To upgrade: change the pin, run
/// `npm install --package-lock-only` in `playground/`, update `version` and `integrity`
/// (`openssl dgst -sha384 -binary FILE | base64`) here.
const ASSETS: &[Asset] = &[
    Asset {
        name: "graphiql.min.css",
        kind: "Stylesheet",
        package: "graphiql",
        version: "3.8.3",
        path: "graphiql.min.css",
        integrity: "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    },
    Asset {
        name: "react.production.min.js",
        kind: "Script",
        package: "react",
        version: "18.3.1",
        path: "umd/react.production.min.js",
        integrity: "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
    },
    Asset {
        name: "react-dom.production.min.js",
        kind: "Script",
        package: "react-dom",
        version: "18.3.1",
        path: "umd/react-dom.production.min.js",
        integrity: "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
    },
    Asset {
        name: "graphiql.min.js",
        kind: "Script",
        package: "graphiql",
        version: "3.8.3",
        path: "graphiql.min.js",
        integrity: "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    },
];

struct Asset {
    /// File name served under `/playground/`.
    name: &'static str,
    /// Variant of `AssetKind` in `src/http/playground.rs`.
    kind: &'static str,
    package: &'static str,
    version: &'static str,
    /// Path of the file inside the npm package.
    path: &'static str,
    integrity: &'static str,
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(playground_embedded)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=playground/package.json");
    println!("cargo::rerun-if-changed=playground/package-lock.json");
    println!("cargo::rerun-if-env-changed={REQUIRE_ENV}");

    if let Err(message) = run() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = env_path("CARGO_MANIFEST_DIR")?;
    let out_dir = env_path("OUT_DIR")?;
    let source = manifest_dir.join("playground");
    check_pins(&source)?;

    let embedded = match install(&source, &out_dir.join("playground")) {
        Ok(node_modules) => {
            println!("cargo::rustc-cfg=playground_embedded");
            Some(node_modules)
        }
        Err(reason) if required() => {
            return Err(format!(
                "the GraphiQL playground's assets could not be embedded and \
                 {REQUIRE_ENV} is set: {reason}"
            ));
        }
        Err(reason) => {
            println!(
                "cargo::warning=GraphiQL playground not embedded ({reason}); the page will \
                 load it from {CDN}. Install Node.js and npm, then `touch \
                 playground/package-lock.json` and rebuild, to host it with the server."
            );
            None
        }
    };

    let generated = generate(embedded.as_deref())?;
    write_if_changed(&out_dir.join("playground_assets.rs"), generated.as_bytes())
}

fn env_path(name: &str) -> Result<PathBuf, String> {
    env::var_os(name).map(PathBuf::from).ok_or_else(|| format!("{name} is not set"))
}

fn required() -> bool {
    env::var(REQUIRE_ENV).is_ok_and(|value| {
        let value = value.trim().to_ascii_lowercase();
        !matches!(value.as_str(), "" | "0" | "false" | "no")
    })
}

/// The versions in `ASSETS` (and so the CDN URLs and integrity hashes) must be the ones
/// that `playground/package.json` pins.
fn check_pins(source: &Path) -> Result<(), String> {
    let manifest = read(&source.join("package.json"))?;
    let manifest = String::from_utf8_lossy(&manifest);
    for asset in ASSETS {
        let pin = format!("\"{}\": \"{}\"", asset.package, asset.version);
        if !manifest.contains(&pin) {
            return Err(format!(
                "playground/package.json does not pin {pin}, the version whose integrity \
                 hash build.rs records for {}: update both together",
                asset.name
            ));
        }
    }
    Ok(())
}

/// Installs the pinned packages into `dir` (unless that exact install is already there) and
/// returns its `node_modules`.
fn install(source: &Path, dir: &Path) -> Result<PathBuf, String> {
    let manifest = read(&source.join("package.json"))?;
    let lockfile = read(&source.join("package-lock.json"))?;
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    write_if_changed(&dir.join("package.json"), &manifest)?;
    write_if_changed(&dir.join("package-lock.json"), &lockfile)?;

    let node_modules = dir.join("node_modules");
    // Records which package files the install in `dir` was made from.
    let stamp_path = dir.join(".scs-installed-from");
    let stamp = [manifest, lockfile].concat();
    let installed = fs::read(&stamp_path).is_ok_and(|previous| previous == stamp)
        && ASSETS.iter().all(|asset| asset_path(&node_modules, asset).is_file());
    if !installed {
        remove_file_if_present(&stamp_path)?;
        npm_ci(dir)?;
        write_if_changed(&stamp_path, &stamp)?;
    }

    for asset in ASSETS {
        let file = asset_path(&node_modules, asset);
        if !file.is_file() {
            return Err(format!("`npm ci` did not install {}", file.display()));
        }
        let package_json = read(&node_modules.join(asset.package).join("package.json"))?;
        let version = format!("\"version\": \"{}\"", asset.version);
        if !String::from_utf8_lossy(&package_json).contains(&version) {
            return Err(format!("node_modules/{} is not version {}", asset.package, asset.version));
        }
    }
    Ok(node_modules)
}

fn npm_ci(dir: &Path) -> Result<(), String> {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    match Command::new(npm).arg("--version").stdin(Stdio::null()).output() {
        Ok(output) if output.status.success() => {}
        Ok(output) => return Err(format!("`npm --version` failed ({})", output.status)),
        Err(e) if e.kind() == ErrorKind::NotFound => return Err("npm is not on PATH".into()),
        Err(e) => return Err(format!("cannot run npm: {e}")),
    }

    let output = Command::new(npm)
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .args(["--loglevel=error", "--progress=false"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `npm ci`: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(format!("`npm ci` in {} failed ({}): {}", dir.display(), output.status, tail.join(" | ")))
}

fn asset_path(node_modules: &Path, asset: &Asset) -> PathBuf {
    node_modules.join(asset.package).join(asset.path)
}

/// The table that `src/http/playground.rs` includes, with the files' bytes when embedded.
fn generate(node_modules: Option<&Path>) -> Result<String, String> {
    let mut code = String::from("// @generated by build.rs: the GraphiQL playground's assets.\n");
    code.push_str("pub(super) static ASSETS: &[Asset] = &[\n");
    for asset in ASSETS {
        let bytes = match node_modules {
            Some(node_modules) => {
                let file = asset_path(node_modules, asset);
                let file = file.to_str().ok_or_else(|| format!("{} is not valid UTF-8", file.display()))?;
                format!("Some(include_bytes!({file:?}))")
            }
            None => "None".to_owned(),
        };
        let cdn_url = format!("{CDN}/{}@{}/{}", asset.package, asset.version, asset.path);
        // Writing to a String cannot fail.
        let _ = write!(
            code,
            "    Asset {{\n        name: {name:?},\n        kind: AssetKind::{kind},\n        \
             cdn_url: {cdn_url:?},\n        integrity: {integrity:?},\n        \
             bytes: {bytes},\n    }},\n",
            name = asset.name,
            kind = asset.kind,
            integrity = asset.integrity,
        );
    }
    code.push_str("];\n");
    Ok(code)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Leaves the file (and its modification time) alone when it already holds `contents`.
fn write_if_changed(path: &Path, contents: &[u8]) -> Result<(), String> {
    if fs::read(path).is_ok_and(|existing| existing == contents) {
        return Ok(());
    }
    fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn remove_file_if_present(path: &Path) -> Result<(), String> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
    }
}
