//! `nfc new PATH`: a deployment crate, the way `cargo new` makes a binary.
//!
//! The crate holds the spec (the one given, or a commented starter), a
//! `main.rs` that compiles it with `nfc::spec!` and hands it to the runtime's
//! entry point, and a `Cargo.toml` depending on nfc by path. `spec!` turns
//! the spec's `[[test]]` cases into tests, so `cargo test` works at once.
//!
//! nfc is not on crates.io (the `nfc` name there is another project), so
//! the dependency is a path: the checkout this `nfc` command was built from,
//! or `--nfc-path`. Its `Cargo.lock` is copied along, so the new crate
//! builds with the versions the checkout was tested with (and, sharing a
//! target directory, reuses its compiled dependencies).

use nfc_compiler::codegen::type_name;
use nfc_compiler::Checked;
use std::fs;
use std::path::{Path, PathBuf};

/// The starter spec; its `name` is replaced by the crate's.
pub const STARTER: &str = include_str!("starter.toml");

/// The checkout `nfc` was built from, as the default `--nfc-path`.
const BUILT_FROM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// What `nfc new` made.
pub struct Created {
    pub dir: PathBuf,
    pub spec_file: String,
    pub checked: Checked,
    pub nfc: PathBuf,
    pub lock_copied: bool,
}

/// Creates the crate at `dir`; `Err` is one sentence, or the spec's
/// diagnostics (already printed), and nothing is left behind.
pub fn create(dir: &Path, spec: Option<&Path>, nfc_path: Option<&Path>) -> Result<Created, String> {
    let crate_name = crate_name(dir)?;
    if dir.exists() {
        return Err(format!("destination `{}` already exists, expected a new directory", dir.display()));
    }
    let nfc = nfc_crate(nfc_path)?;
    let (spec_file, source) = match spec {
        Some(path) => {
            let source =
                fs::read_to_string(path).map_err(|e| format!("cannot read the spec {}: {e}", path.display()))?;
            let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            (file, source)
        }
        None => {
            let spec_name = crate_name.replace('-', "_");
            (format!("{spec_name}.toml"), STARTER.replacen("name = \"starter\"", &format!("name = \"{spec_name}\""), 1))
        }
    };
    if !spec_file.ends_with(".toml") || spec_file == "Cargo.toml" {
        return Err(format!("found spec file name `{spec_file}`, expected a `NAME.toml` other than Cargo.toml"));
    }
    let shown = spec.map_or(spec_file.clone(), |p| p.display().to_string());
    let checked = match nfc_compiler::frontend::toml::parse(&shown, &source) {
        Ok(checked) => checked,
        Err(errors) => {
            errors.iter().for_each(|e| eprintln!("{e}"));
            return Err(format!("{shown}: {} error(s); no crate created", errors.len()));
        }
    };
    checked.warnings.iter().for_each(|w| eprintln!("{w}"));

    let lock = nfc.parent().map(|checkout| checkout.join("Cargo.lock")).filter(|lock| lock.is_file());
    let files = [
        ("Cargo.toml".to_owned(), cargo_toml(&crate_name, &nfc)),
        ("src/main.rs".to_owned(), main_rs(&checked, &spec_file)),
        (spec_file.clone(), source),
        (".gitignore".to_owned(), "/target\n".to_owned()),
    ];
    let write = || -> std::io::Result<()> {
        fs::create_dir_all(dir.join("src"))?;
        for (file, text) in &files {
            fs::write(dir.join(file), text)?;
        }
        if let Some(lock) = &lock {
            fs::copy(lock, dir.join("Cargo.lock"))?;
        }
        Ok(())
    };
    if let Err(error) = write() {
        let _ = fs::remove_dir_all(dir);
        return Err(format!("cannot write {}: {error}", dir.display()));
    }
    Ok(Created { dir: dir.to_owned(), spec_file, checked, nfc, lock_copied: lock.is_some() })
}

/// The directory's name, if cargo accepts it as a package name (and it
/// does not clash with the crate it depends on).
fn crate_name(dir: &Path) -> Result<String, String> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(format!(
            "found crate name `{name}`, expected letters, digits, `-` or `_`, starting with a letter (the directory's name)"
        ));
    }
    let taken = ["nfc", "nfc-runtime", "nfc-macros", "nfc-compiler", "std", "core", "alloc", "test", "proc_macro"];
    if taken.contains(&name.replace('_', "-").as_str()) || taken.contains(&name.as_str()) {
        return Err(format!("found crate name `{name}`, expected a name not taken by Rust or nfc itself"));
    }
    Ok(name)
}

/// The `nfc` crate to depend on: `--nfc-path` (a checkout, or its `nfc`
/// directory), else the checkout this command was built from.
fn nfc_crate(given: Option<&Path>) -> Result<PathBuf, String> {
    let (dir, what) = match given {
        Some(dir) => (dir.to_owned(), "--nfc-path"),
        None => (PathBuf::from(BUILT_FROM), "the checkout this nfc was built from"),
    };
    let is_nfc = |dir: &Path| {
        fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|manifest| manifest.lines().any(|line| line.trim() == "name = \"nfc\""))
    };
    let found = [dir.join("nfc"), dir.clone()].into_iter().find(|candidate| is_nfc(candidate));
    match found {
        Some(crate_dir) => crate_dir.canonicalize().map_err(|e| format!("{}: {e}", crate_dir.display())),
        None if given.is_some() => {
            Err(format!("{what} `{}` is neither an nfc checkout nor its `nfc` crate directory", dir.display()))
        }
        None => Err(format!(
            "{what} ({}) is gone; give a checkout with --nfc-path DIR (nfc is not on crates.io)",
            dir.display()
        )),
    }
}

/// A TOML basic string (paths may hold `\` or `"`).
fn toml_string(text: &str) -> String {
    let mut quoted = String::from('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04x}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

fn cargo_toml(crate_name: &str, nfc: &Path) -> String {
    format!(
        r#"[package]
name = "{crate_name}"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
# nfc by path (it is not on crates.io); `nfc new --nfc-path DIR` picks another checkout.
nfc = {{ path = {nfc} }}

# A workspace of its own, so the crate builds wherever it lives; delete this
# section to make it a member of an enclosing workspace instead.
[workspace]

# nfc's macros compile the spec during the build: optimise them even in debug
# builds (a 100,000-entry table parses in seconds rather than minutes).
[profile.dev.build-override]
opt-level = 3

# The driver loop and the network function inline into one loop.
[profile.release]
codegen-units = 1
lto = "thin"

[profile.release.build-override]
opt-level = 3
"#,
        nfc = toml_string(&nfc.display().to_string())
    )
}

fn main_rs(checked: &Checked, spec_file: &str) -> String {
    let name = &checked.spec.name;
    let ty = type_name(name);
    format!(
        r#"//! The `{name}` network function. `nfc::spec!` compiles {spec_file} into the type
//! `{ty}`, and its [[test]] cases into tests that `cargo test` runs against it;
//! `cargo run --release -- --help` lists the ports and the backends.
nfc::spec!("{spec_file}");

fn main() -> std::process::ExitCode {{
    nfc::runtime::app::main("{name}", {ty}::PORTS, {ty}::new())
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_follow_cargo_and_avoid_nfc_itself() {
        assert_eq!(crate_name(Path::new("/tmp/edge-fw")), Ok("edge-fw".to_owned()));
        assert!(crate_name(Path::new("/tmp/1fw")).unwrap_err().contains("starting with a letter"));
        assert!(crate_name(Path::new("/tmp/nfc")).unwrap_err().contains("not taken"));
        assert!(crate_name(Path::new("/tmp/nfc_runtime")).unwrap_err().contains("not taken"));
    }

    #[test]
    fn paths_are_quoted_for_toml() {
        assert_eq!(toml_string(r#"C:\a "b""#), r#""C:\\a \"b\"""#);
    }
}
