//! Tables loaded from files at run time: read when the binary starts and
//! again on SIGHUP, built off the per-packet loop, swapped in between bursts.
//!
//! A table marked `load = "runtime"` in its spec is compiled without
//! entries; its deployment binary takes `--table NAME=FILE` and refuses to
//! start without it. On SIGHUP every file is read again on a thread of its
//! own; each table that builds is swapped in between two polls, and a file
//! with errors is reported with file:line:column while its old table stays.

use crate::nf::{LoadedTable, NetworkFunction, TableBuilder};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, TryRecvError};

/// The files of a function's loaded tables.
pub struct TableFiles {
    /// (table index, name, file), one per loaded table.
    files: Vec<(usize, &'static str, PathBuf)>,
    builder: TableBuilder,
    /// A reload under way: each table's outcome, in `files` order.
    pending: Option<Receiver<Vec<Result<LoadedTable, String>>>>,
}

/// What a finished reload did.
#[derive(Debug, PartialEq, Eq)]
pub struct Reloaded {
    /// Names of the tables swapped in.
    pub installed: Vec<&'static str>,
    /// Every error of the files that were not, which keep their old tables.
    pub errors: Vec<String>,
}

impl TableFiles {
    /// From the `--table NAME=FILE` arguments: every loaded table needs a
    /// file, and every file a loaded table. `None` for a function without
    /// loaded tables.
    pub fn new<N: NetworkFunction>(nf: &N, arguments: &[String]) -> Result<Option<TableFiles>, String> {
        let names = nf.loaded_tables();
        let mut files = Vec::new();
        for argument in arguments {
            let Some((name, file)) = argument.split_once('=').filter(|(_, f)| !f.is_empty()) else {
                return Err(format!("found `--table {argument}`, expected --table NAME=FILE"));
            };
            let Some(index) = names.iter().position(|n| *n == name) else {
                let expected = if names.is_empty() {
                    "none: this function loads no tables".to_owned()
                } else {
                    format!("one of {}", names.join(", "))
                };
                return Err(format!(
                    "found --table for `{name}`, which is not a table loaded at run time, expected {expected}"
                ));
            };
            if files.iter().any(|&(i, _, _)| i == index) {
                return Err(format!("found --table {name} twice, expected one file per table"));
            }
            files.push((index, names[index], PathBuf::from(file)));
        }
        if let Some(missing) = names.iter().find(|name| !files.iter().any(|(_, n, _)| n == *name)) {
            return Err(format!(
                "table `{missing}` is loaded at run time: give its entries with --table {missing}=FILE"
            ));
        }
        let Some(builder) = nf.table_builder() else {
            return if names.is_empty() {
                Ok(None)
            } else {
                Err("this function names loaded tables but cannot build them".into())
            };
        };
        if files.is_empty() {
            return Ok(None);
        }
        Ok(Some(TableFiles { files, builder, pending: None }))
    }

    /// Read and build every table, then install them all: at start, where
    /// any error stops the binary.
    pub fn load<N: NetworkFunction>(&self, nf: &mut N) -> Result<(), String> {
        let built = build_all(&self.files, &self.builder);
        let errors: Vec<String> = built.iter().filter_map(|b| b.as_ref().err().cloned()).collect();
        if !errors.is_empty() {
            return Err(errors.join("\n"));
        }
        for ((index, _, _), table) in self.files.iter().zip(built) {
            nf.install_table(*index, table.expect("no errors"));
        }
        Ok(())
    }

    /// Start reading and building every table again on a thread of its own
    /// (a reload still under way is let finish first).
    pub fn start_reload(&mut self) {
        if self.pending.is_some() {
            return;
        }
        let (sender, receiver) = mpsc::channel();
        let (files, builder) = (self.files.clone(), self.builder.clone());
        std::thread::spawn(move || {
            let _ = sender.send(build_all(&files, &builder));
        });
        self.pending = Some(receiver);
    }

    /// Install what a finished reload built; `None` while none has finished.
    /// Never blocks: the loop calls it between polls.
    pub fn finish_reload<N: NetworkFunction>(&mut self, nf: &mut N) -> Option<Reloaded> {
        let built = match self.pending.as_ref()?.try_recv() {
            Ok(built) => built,
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => {
                self.pending = None;
                return Some(Reloaded { installed: vec![], errors: vec!["the table reload thread died".into()] });
            }
        };
        self.pending = None;
        let mut reloaded = Reloaded { installed: Vec::new(), errors: Vec::new() };
        for ((index, name, _), table) in self.files.iter().zip(built) {
            match table {
                Ok(table) => {
                    nf.install_table(*index, table);
                    reloaded.installed.push(name);
                }
                Err(error) => reloaded.errors.push(error),
            }
        }
        Some(reloaded)
    }

    /// Wait for a reload under way and install it (tests and shutdown).
    pub fn wait_for_reload<N: NetworkFunction>(&mut self, nf: &mut N) -> Option<Reloaded> {
        loop {
            self.pending.as_ref()?;
            if let Some(reloaded) = self.finish_reload(nf) {
                return Some(reloaded);
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}

fn build_all(files: &[(usize, &'static str, PathBuf)], builder: &TableBuilder) -> Vec<Result<LoadedTable, String>> {
    files
        .iter()
        .map(|(index, name, path)| {
            let text = std::fs::read_to_string(path).map_err(|error| {
                format!("cannot read the entries of table `{name}` from {}: {error}", path.display())
            })?;
            builder(*index, &path.display().to_string(), &text)
        })
        .collect()
}
