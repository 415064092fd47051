//! The settings model: every option that neardup.toml can also set,
//! declared once.
//!
//! Each group below is one struct whose fields are both command-line
//! options (it derives `clap::Args`; args.rs flattens it into the
//! subcommands that take it) and neardup.toml keys (it derives
//! `serde::Deserialize`, the keys kebab-case like the long options;
//! settings_file.rs reads every group from the one file). So a key cannot
//! go missing from the file, and a range cannot disagree: both parse into
//! the same field and are checked by the same function
//! ([`DetectArgs::scan_options`], [`InputArgs::walk_options`], against
//! `config::RANGES`).
//!
//! `merge`, written for each group by the `settings!` macro, combines a command
//! line with a file field by field: a value given on the command line wins,
//! then the file's, then the default (clap's `default_value`, which is the
//! engine's default); a flag is on when either turns it on; a list
//! (`--boilerplate`) is the file's followed by the command line's.
//!
//! A field marked `#[serde(skip)]` is an option of one run, not a key; one
//! marked `#[arg(skip)]` is a key of the file only. The tests at the end
//! list each such option with the reason.

use crate::align::AlignParams;
use crate::cluster::KeepPolicy;
use crate::config::{OutOfRange, ScanOptions};
use crate::input::decode::Encoding;
use crate::input::WalkOptions;
use crate::report::Format;
use clap::parser::ValueSource;
use clap::{ArgMatches, ValueEnum};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;

/// How a field of the command line and the same field of a settings file
/// combine.
pub trait Merge {
    /// `cli` is the command line's value (its default when not `given`
    /// there), `file` the file's.
    fn merge(cli: Self, file: Self, given: bool) -> Self;
}

/// A value: the command line's when given there, else the file's, else the
/// command line's default.
impl<T> Merge for Option<T> {
    fn merge(cli: Self, file: Self, given: bool) -> Self {
        if given {
            cli
        } else {
            file.or(cli)
        }
    }
}

/// A flag: on when either turns it on.
impl Merge for bool {
    fn merge(cli: Self, file: Self, _given: bool) -> Self {
        cli || file
    }
}

/// A list: the file's, then the command line's.
impl<T> Merge for Vec<T> {
    fn merge(cli: Self, mut file: Self, _given: bool) -> Self {
        file.extend(cli);
        file
    }
}

/// The options given on a command line (by clap id: the field's name), as
/// opposed to those at their defaults.
#[derive(Clone, Debug, Default)]
pub struct Given(HashSet<String>);

impl Given {
    /// The options given in `matches`, at the top level and in each
    /// subcommand down to the one run.
    pub fn of(matches: &ArgMatches) -> Given {
        let mut ids = HashSet::new();
        let mut level = Some(matches);
        while let Some(m) = level {
            ids.extend(
                m.ids()
                    .filter(|id| m.value_source(id.as_str()) == Some(ValueSource::CommandLine))
                    .map(|id| id.to_string()),
            );
            level = m.subcommand().map(|(_, sub)| sub);
        }
        Given(ids)
    }

    /// Whether option `id` was given.
    pub fn has(&self, id: &str) -> bool {
        self.0.contains(id)
    }
}

/// Declares a group of settings: the struct, deriving `clap::Args` and
/// `serde::Deserialize` (every field optional, keys kebab-case), and its
/// `merge`, which takes every field through [`Merge`].
macro_rules! settings {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(clap::Args, Deserialize, Clone, Debug, Default, PartialEq)]
        #[serde(default, rename_all = "kebab-case")]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $name {
            /// These settings (from the command line, with `given` the
            /// options given there) over `file`'s, field by field.
            pub fn merge(self, file: Self, given: &Given) -> Self {
                Self {
                    $( $field: Merge::merge(self.$field, file.$field, given.has(stringify!($field))), )*
                }
            }
        }
    };
}

settings! {
    /// Options of every subcommand.
    pub struct GlobalArgs {
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(short = 'j', long, global = true)]
        pub threads: Option<usize>,
        /// No progress display.
        #[arg(short, long, global = true)]
        pub quiet: bool,
    }
}

/// The default `--jsonl-text`.
pub const JSONL_TEXT: &str = "text";
/// The default `--jsonl-id`.
pub const JSONL_ID: &str = "id";
/// The default `--max-filesize`, as shown (`WalkOptions::default()`'s, as
/// a unit test checks).
const MAX_FILESIZE: &str = "256M";

settings! {
    /// Which files and records are documents.
    pub struct InputArgs {
        /// Include files matching GLOB; a leading '!' excludes. Repeatable.
        #[arg(short = 'g', long = "glob", value_name = "GLOB")]
        #[serde(skip)]
        pub globs: Vec<String>,
        /// Globs of files to scan (neardup.toml only; `--glob GLOB` on the
        /// command line).
        #[arg(skip)]
        pub include: Vec<String>,
        /// Globs of files to leave out, without the '!' (neardup.toml only;
        /// `--glob '!GLOB'` on the command line).
        #[arg(skip)]
        pub exclude: Vec<String>,
        /// Also scan hidden files and directories.
        #[arg(long)]
        pub hidden: bool,
        /// Do not honour .gitignore and .ignore files.
        #[arg(long)]
        pub no_ignore: bool,
        /// Refuse files larger than this many bytes (suffixes K, M, G).
        #[arg(long, default_value = MAX_FILESIZE, value_parser = parse_size)]
        #[serde(deserialize_with = "deserialize_size")]
        pub max_filesize: Option<u64>,
        /// Decode every file with this encoding (a WHATWG label: latin1,
        /// windows-1252, utf-16le, shift_jis, ...). Default: UTF-8, or UTF-16
        /// by byte order mark; bytes that are not UTF-8 are read as
        /// Windows-1252, with a note.
        #[arg(long, value_name = "LABEL", value_parser = crate::input::decode::encoding_for_label)]
        #[serde(deserialize_with = "deserialize_encoding")]
        pub encoding: Option<&'static Encoding>,
        /// Read files as JSON Lines: one document per record.
        #[arg(long)]
        pub jsonl: bool,
        /// With --jsonl: the field holding the text.
        #[arg(long, default_value = JSONL_TEXT, value_name = "FIELD")]
        pub jsonl_text: Option<String>,
        /// With --jsonl: the field holding the record id.
        #[arg(long, default_value = JSONL_ID, value_name = "FIELD")]
        pub jsonl_id: Option<String>,
    }
}

settings! {
    /// Detection settings.
    pub struct DetectArgs {
        /// Smallest repeated span to report, in words.
        #[arg(long, default_value = shown(AlignParams::default().min_words))]
        pub min_words: Option<u32>,
        /// Words per shingle.
        #[arg(long, default_value = shown(AlignParams::default().k))]
        pub shingle: Option<usize>,
        /// Winnowing window, in shingles: any shared run of shingle+window-1
        /// words yields a shared fingerprint.
        #[arg(long, default_value = shown(AlignParams::default().window))]
        pub window: Option<usize>,
        /// MinHash signature size.
        #[arg(long, default_value = shown(ScanOptions::default().num_perm))]
        pub num_perm: Option<usize>,
        /// Jaccard threshold the whole-document LSH is tuned for.
        #[arg(long, default_value = shown(ScanOptions::default().lsh_threshold))]
        pub lsh_threshold: Option<f64>,
        /// Share of both documents' words a pair's spans must cover to be a
        /// near duplicate rather than partial.
        #[arg(long, default_value = shown(AlignParams::default().near_coverage))]
        pub near_threshold: Option<f64>,
        /// Smallest share of a span's words covered by shared shingles.
        #[arg(long, default_value = shown(AlignParams::default().min_similarity))]
        pub min_similarity: Option<f64>,
        /// Largest run of differing words a span bridges.
        #[arg(long, default_value = shown(AlignParams::default().max_gap))]
        pub max_gap: Option<u32>,
        /// A file of known page chrome (cookie notices, footers); repeatable.
        #[arg(long, value_name = "FILE")]
        pub boilerplate: Vec<PathBuf>,
        /// Text in at least this many documents is chrome (default: 1% of the
        /// documents, at least 10).
        #[arg(long, value_name = "N")]
        pub boilerplate_df: Option<u32>,
        /// Which copy of each cluster to keep.
        #[arg(long, value_enum, default_value = variant(ScanOptions::default().keep))]
        pub keep: Option<KeepPolicy>,
        /// Let partial pairs join clusters too (by default only near duplicates
        /// do, so a dedupe pass never drops a document with text of its own).
        #[arg(long)]
        pub cluster_partial: bool,
    }
}

settings! {
    /// Report settings.
    pub struct OutputArgs {
        /// Output format.
        #[arg(long, value_enum, default_value = variant(Format::default()))]
        pub format: Option<Format>,
        /// Write the report to FILE (atomically) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        pub output: Option<PathBuf>,
        /// When to colour text output.
        #[arg(long, value_enum, default_value = variant(Color::default()))]
        pub color: Option<Color>,
        /// Accepted findings: those whose fingerprints are in FILE are shown as
        /// baselined and do not fail the run.
        #[arg(long, value_name = "FILE")]
        pub baseline: Option<PathBuf>,
        /// Write every current finding's fingerprint to the --baseline file.
        #[arg(long, requires = "baseline")]
        #[serde(skip)]
        pub update_baseline: bool,
        /// With --update-baseline: when another neardup is writing the
        /// baseline, wait for it instead of failing.
        #[arg(long, requires = "update_baseline")]
        #[serde(skip)]
        pub wait: bool,
        /// Which findings fail the run (exit 1): new (not baselined), any, or
        /// never.
        #[arg(long, value_enum, default_value = variant(FailOn::default()))]
        pub fail_on: Option<FailOn>,
    }
}

settings! {
    /// Where the index is (`check`, `index build|update`).
    pub struct IndexPath {
        /// The index file (default .neardup/index).
        #[arg(long, value_name = "FILE")]
        pub index: Option<PathBuf>,
    }
}

/// When to colour text output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    /// When writing to a terminal.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Which findings fail the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Findings not in the baseline.
    #[default]
    New,
    /// Any finding.
    Any,
    /// None: exit 0 unless there is an error.
    Never,
}

/// A setting that is well formed but not allowed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SettingError {
    /// A number outside its range (`config::RANGES`).
    #[error(transparent)]
    Range(#[from] OutOfRange),
    /// An `include` or `exclude` glob written with a leading `!`.
    #[error("{key}: glob {glob:?} starts with '!'; write it without the '!' under `exclude`")]
    NegatedGlob {
        /// `include` or `exclude`.
        key: &'static str,
        /// The glob.
        glob: String,
    },
    /// A JSON Lines field name that is empty.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// The same JSON Lines field for the text and the id.
    #[error("jsonl-text and jsonl-id must be different fields")]
    SameJsonlFields,
}

impl DetectArgs {
    /// The scan options these settings give (those not set at the engine's
    /// defaults), range-checked. Not the `boilerplate` files: reading them
    /// is the caller's.
    pub fn scan_options(&self) -> Result<ScanOptions, OutOfRange> {
        let mut o = ScanOptions::default();
        let a = &mut o.align;
        set(&mut a.min_words, self.min_words);
        set(&mut a.k, self.shingle);
        set(&mut a.window, self.window);
        set(&mut a.near_coverage, self.near_threshold);
        set(&mut a.min_similarity, self.min_similarity);
        set(&mut a.max_gap, self.max_gap);
        set(&mut o.num_perm, self.num_perm);
        set(&mut o.lsh_threshold, self.lsh_threshold);
        o.df_threshold = self.boilerplate_df;
        set(&mut o.keep, self.keep);
        o.cluster_partial = self.cluster_partial;
        o.validate()?;
        Ok(o)
    }
}

impl InputArgs {
    /// The walk globs in `--glob` form: the `include` globs, each `exclude`
    /// glob with a leading `!`, then the `--glob` ones. When globs conflict
    /// the later wins, so the command line's override the file's.
    pub fn all_globs(&self) -> Vec<String> {
        let include = self.include.iter().cloned();
        let exclude = self.exclude.iter().map(|g| format!("!{g}"));
        include
            .chain(exclude)
            .chain(self.globs.iter().cloned())
            .collect()
    }

    /// Checks what is set: `max-filesize` against its range, `include` and
    /// `exclude` globs (no leading `!`), the JSON Lines field names (not
    /// empty, not the same).
    pub fn validate(&self) -> Result<(), SettingError> {
        if let Some(n) = self.max_filesize {
            crate::config::validate_max_filesize(n)?;
        }
        for (key, globs) in [("include", &self.include), ("exclude", &self.exclude)] {
            if let Some(g) = globs.iter().find(|g| g.starts_with('!')) {
                return Err(SettingError::NegatedGlob {
                    key,
                    glob: g.clone(),
                });
            }
        }
        for (key, field) in [
            ("jsonl-text", &self.jsonl_text),
            ("jsonl-id", &self.jsonl_id),
        ] {
            if field.as_deref() == Some("") {
                return Err(SettingError::Empty(key));
            }
        }
        if self.jsonl_text.is_some() && self.jsonl_text == self.jsonl_id {
            return Err(SettingError::SameJsonlFields);
        }
        Ok(())
    }

    /// The walk these settings give (those not set at their defaults),
    /// checked by [`InputArgs::validate`].
    pub fn walk_options(&self) -> Result<WalkOptions, SettingError> {
        self.validate()?;
        let mut w = WalkOptions {
            hidden: self.hidden,
            no_ignore: self.no_ignore,
            globs: self.all_globs(),
            encoding: self.encoding,
            ..WalkOptions::default()
        };
        set(&mut w.max_filesize, self.max_filesize);
        Ok(w)
    }

    /// The field holding a record's text.
    pub fn jsonl_text(&self) -> &str {
        self.jsonl_text.as_deref().unwrap_or(JSONL_TEXT)
    }

    /// The field holding a record's id.
    pub fn jsonl_id(&self) -> &str {
        self.jsonl_id.as_deref().unwrap_or(JSONL_ID)
    }

    /// With --jsonl, the text and id fields.
    pub fn jsonl_fields(&self) -> Option<(String, String)> {
        self.jsonl
            .then(|| (self.jsonl_text().to_string(), self.jsonl_id().to_string()))
    }
}

impl OutputArgs {
    /// The report format.
    pub fn format(&self) -> Format {
        self.format.unwrap_or_default()
    }

    /// Which findings fail the run.
    pub fn fail_on(&self) -> FailOn {
        self.fail_on.unwrap_or_default()
    }

    /// When to colour.
    pub fn color(&self) -> Color {
        self.color.unwrap_or_default()
    }
}

fn set<T>(slot: &mut T, v: Option<T>) {
    if let Some(v) = v {
        *slot = v;
    }
}

/// `v` as a clap `default_value` (shown in `--help`, parsed as if given).
fn shown(v: impl fmt::Display) -> &'static str {
    interned(v.to_string())
}

/// The name of `v` as a clap `default_value`.
fn variant<E: ValueEnum>(v: E) -> &'static str {
    let name = v.to_possible_value().map(|p| p.get_name().to_string());
    interned(name.unwrap_or_default())
}

/// `s` for the life of the process, each distinct string allocated once
/// (clap keeps a default value as a `&'static str`; the command is built
/// once per run, more often in tests).
fn interned(s: String) -> &'static str {
    static SEEN: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&known) = seen.iter().find(|k| **k == s) {
        return known;
    }
    let leaked: &'static str = Box::leak(s.into_boxed_str());
    seen.push(leaked);
    leaked
}

/// Parses a size: bytes, or a number with a `K`, `M` or `G` suffix (binary
/// multiples, either case), as `--max-filesize` takes it.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, 'K' | 'k')) => (&s[..i], 1u64 << 10),
        Some((i, 'M' | 'm')) => (&s[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("not a size: {s:?} (try \"64M\")"))
}

fn deserialize_encoding<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<&'static Encoding>, D::Error> {
    let label = String::deserialize(d)?;
    crate::input::decode::encoding_for_label(&label)
        .map(Some)
        .map_err(de::Error::custom)
}

/// A size in neardup.toml: an integer, or a string as [`parse_size`] takes.
fn deserialize_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct SizeVisitor;
    impl Visitor<'_> for SizeVisitor {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a size in bytes, or a string such as \"64M\"")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom(format!("not a size: {v}")))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
            parse_size(v).map_err(E::custom)
        }
    }
    d.deserialize_any(SizeVisitor).map(Some)
}

/// The keys `T` reads: the field names its derived `Deserialize` passes to
/// `deserialize_struct` (renamed, skipped fields left out).
pub fn keys_of<T: de::DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("probed"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10"), Ok(10));
        assert_eq!(parse_size("2K"), Ok(2048));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("x").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("99999999999G").is_err());
        assert_eq!(
            parse_size(MAX_FILESIZE),
            Ok(WalkOptions::default().max_filesize)
        );
    }

    #[test]
    fn merging_takes_the_command_line_then_the_file_then_the_default() {
        let given = Given(["min_words", "boilerplate"].map(String::from).into());
        let cli = DetectArgs {
            min_words: Some(7),
            shingle: Some(5),
            window: Some(8),
            boilerplate: vec!["cli.txt".into()],
            ..Default::default()
        };
        let file = DetectArgs {
            min_words: Some(80),
            shingle: Some(6),
            boilerplate: vec!["file.txt".into()],
            cluster_partial: true,
            ..Default::default()
        };
        let m = cli.merge(file, &given);
        assert_eq!(m.min_words, Some(7), "given on the command line");
        assert_eq!(m.shingle, Some(6), "the file over the default");
        assert_eq!(m.window, Some(8), "the default");
        assert_eq!(m.boilerplate, [PathBuf::from("file.txt"), "cli.txt".into()]);
        assert!(m.cluster_partial);
    }

    use crate::cli::args::{Cli, Command};
    use crate::cli::settings_file::{self, ConfigError};
    use crate::config::{Range, RANGES};
    use clap::{ArgAction, CommandFactory, FromArgMatches};
    use std::path::Path;

    /// Command-line options that are no neardup.toml key, and why.
    const NOT_IN_FILE: &[(&str, &str)] = &[
        ("help", "clap's own"),
        ("version", "clap's own"),
        ("config", "names the settings file itself"),
        (
            "glob",
            "the file writes globs as the lists `include` and `exclude` (without a '!')",
        ),
        ("new", "`check --new`: the drop one run checks"),
        (
            "changed-from",
            "the changes of one run: in a file it would hide every later change",
        ),
        (
            "no-walk",
            "goes with --changed-from, the changes of one run",
        ),
        (
            "update-baseline",
            "an action of one run: in a file it would rewrite the baseline at every run",
        ),
        ("wait", "how one run treats another's lock"),
        (
            "prune",
            "overrides a safety check for one run: in a file it would disable it for good",
        ),
        (
            "report",
            "`dedupe --report`: the saved report one run applies",
        ),
        ("what", "`dedupe`: what one run removes (and so writes)"),
        ("drop-list", "`dedupe`: a file one run writes"),
        ("move-dropped", "`dedupe`: moves files in one run"),
        ("out", "`dedupe`: a file one run writes"),
        ("out-dir", "`dedupe`: where one run writes"),
        ("annotate", "`dedupe --out`: how one run writes"),
        (
            "strip-marker",
            "`dedupe --what partial`: how one run writes",
        ),
    ];

    /// neardup.toml keys that are no command-line option, and why.
    const FILE_ONLY: &[(&str, &str)] = &[
        ("include", "`--glob GLOB` on the command line"),
        ("exclude", "`--glob '!GLOB'` on the command line"),
    ];

    /// Every subcommand that runs, as its words (`["index", "build"]`), with
    /// its built command (global options propagated into it).
    fn leaves() -> Vec<(Vec<String>, clap::Command)> {
        fn walk(
            cmd: &clap::Command,
            words: Vec<String>,
            out: &mut Vec<(Vec<String>, clap::Command)>,
        ) {
            let subs: Vec<_> = cmd
                .get_subcommands()
                .filter(|s| s.get_name() != "help")
                .collect();
            if subs.is_empty() {
                out.push((words.clone(), cmd.clone()));
            }
            for sub in subs {
                let mut w = words.clone();
                w.push(sub.get_name().to_string());
                walk(sub, w, out);
            }
        }
        let mut root = Cli::command();
        root.build();
        let mut out = Vec::new();
        walk(&root, Vec::new(), &mut out);
        out
    }

    /// An option's name: its long name, or a positional's id (`paths`).
    fn key(arg: &clap::Arg) -> String {
        arg.get_long()
            .map(str::to_string)
            .unwrap_or_else(|| arg.get_id().to_string())
    }

    /// The merged settings of a command line and a settings file's text, as
    /// the binary runs them (`app::run`), or the error.
    fn settings(argv: &[String], file: &str) -> Result<(GlobalArgs, Command), String> {
        let matches = Cli::command()
            .try_get_matches_from(argv)
            .map_err(|e| e.to_string())?;
        let cli = Cli::from_arg_matches(&matches).map_err(|e| e.to_string())?;
        let file = settings_file::parse(file, Path::new("n.toml")).map_err(|e| e.to_string())?;
        let given = Given::of(&matches);
        let global = cli.global.merge(file.global.clone(), &given);
        Ok((global, cli.command.with_settings(&file, &given)))
    }

    /// A value of `arg` other than its default: how it is written on the
    /// command line, and in neardup.toml.
    fn sample(arg: &clap::Arg) -> (Vec<String>, String) {
        let key = key(arg);
        if !arg.get_action().takes_values() {
            return (vec![format!("--{key}")], "true".to_string());
        }
        let default = arg
            .get_default_values()
            .first()
            .map(|v| v.to_string_lossy().into_owned());
        let possible = arg.get_possible_values();
        let value = match (
            possible
                .iter()
                .rev()
                .find(|p| Some(p.get_name()) != default.as_deref()),
            &default,
        ) {
            (Some(p), _) => p.get_name().to_string(),
            (None, Some(d)) => match (d.parse::<u64>(), d.parse::<f64>()) {
                (Ok(n), _) => (n + 1).to_string(),
                (_, Ok(x)) => (x / 2.0).to_string(),
                _ if parse_size(d).is_ok() => "1K".to_string(),
                _ => format!("x{d}"),
            },
            (None, None) => match key.as_str() {
                "boilerplate-df" => "10",
                "threads" => "3",
                "encoding" => "latin1",
                _ => "x",
            }
            .to_string(),
        };
        let mut toml = toml_of(&value);
        if arg.is_positional() || matches!(arg.get_action(), ArgAction::Append) {
            toml = format!("[{toml}]");
        }
        let cli = if arg.is_positional() {
            vec![value]
        } else {
            vec![format!("--{key}"), value]
        };
        (cli, toml)
    }

    /// A command-line value as a TOML value: a number as is, anything else
    /// a string.
    fn toml_of(value: &str) -> String {
        let number =
            value.parse::<i64>().is_ok() || (value.contains('.') && value.parse::<f64>().is_ok());
        if number {
            value.to_string()
        } else {
            format!("{value:?}")
        }
    }

    /// For a single-valued option, a file value other than [`sample`]'s
    /// (the default when it has one).
    fn other(arg: &clap::Arg, sample: &str) -> String {
        if !arg.get_action().takes_values() {
            return "false".to_string();
        }
        if let Some(d) = arg.get_default_values().first() {
            return toml_of(&d.to_string_lossy());
        }
        match sample.parse::<u64>() {
            Ok(n) => (n + 1).to_string(),
            Err(_) if key(arg) == "encoding" => "\"utf-16le\"".to_string(),
            Err(_) => "\"y\"".to_string(),
        }
    }

    /// Every option of every subcommand is a neardup.toml key or on
    /// [`NOT_IN_FILE`]; set in the file it gives the settings it gives on
    /// the command line; and every key is an option or on [`FILE_ONLY`].
    #[test]
    fn every_option_is_a_settings_file_key_with_the_same_effect() {
        let keys = settings_file::keys();
        let mut options = HashSet::new();
        let mut checked = 0;
        for (words, cmd) in leaves() {
            let base: Vec<String> = std::iter::once("neardup".to_string())
                .chain(words.iter().cloned())
                .collect();
            let defaults = settings(&base, "").unwrap();
            for arg in cmd.get_arguments() {
                let key = key(arg);
                options.insert(key.clone());
                if let Some((_, why)) = NOT_IN_FILE.iter().find(|(k, _)| *k == key) {
                    assert!(!keys.contains(&key.as_str()), "{key} is a key, but: {why}");
                    continue;
                }
                assert!(
                    keys.contains(&key.as_str()),
                    "neardup {}: --{key} is no neardup.toml key (add it to its settings \
                     group, or to NOT_IN_FILE with the reason)",
                    words.join(" ")
                );
                let (cli_words, toml) = sample(arg);
                let at = format!(
                    "neardup {} {}; {key} = {toml}",
                    words.join(" "),
                    cli_words.join(" ")
                );
                let argv: Vec<String> = base.iter().cloned().chain(cli_words).collect();
                let by_cli = settings(&argv, "").unwrap_or_else(|e| panic!("{at}: {e}"));
                let by_file = settings(&base, &format!("{key} = {toml}\n"))
                    .unwrap_or_else(|e| panic!("{at}: {e}"));
                let show = |s: &(GlobalArgs, Command)| format!("{s:?}");
                assert_ne!(
                    show(&by_cli),
                    show(&defaults),
                    "{at}: the sample is the default"
                );
                assert_eq!(show(&by_cli), show(&by_file), "{at}");
                // The command line wins over the file (a list adds to the
                // file's instead: see the merge test).
                if !arg.is_positional() && !matches!(arg.get_action(), ArgAction::Append) {
                    let file = format!("{key} = {}\n", other(arg, &toml));
                    let by_both = settings(&argv, &file).unwrap_or_else(|e| panic!("{at}: {e}"));
                    assert_eq!(show(&by_cli), show(&by_both), "{at} over {file}");
                }
                checked += 1;
            }
        }
        assert!(checked >= 4 * 25, "{checked} options checked");
        for (k, why) in NOT_IN_FILE {
            assert!(
                options.contains(*k),
                "{k} on NOT_IN_FILE ({why}) is no option"
            );
        }
        for k in keys {
            let file_only = FILE_ONLY.iter().any(|(f, _)| f == k);
            assert!(
                options.contains(*k) != file_only,
                "{k}: an option {}, on FILE_ONLY {file_only}",
                options.contains(*k)
            );
        }
    }

    /// Each range of `config::RANGES` that an option has: a value outside it
    /// is refused, on the command line (by what `app` runs) and in
    /// neardup.toml, with the same message.
    #[test]
    fn a_value_out_of_range_is_refused_with_the_same_message_from_both() {
        let scan = leaves()
            .into_iter()
            .find(|(w, _)| w == &["scan"])
            .unwrap()
            .1;
        let options: Vec<String> = scan.get_arguments().map(key).collect();
        for (name, range) in RANGES {
            if !options.iter().any(|o| o == name) {
                assert_eq!(name, "min-shared", "{name} is in RANGES but no option");
                continue;
            }
            let bad = match range {
                Range::Int { min, .. } if min > 0 => (min - 1).to_string(),
                Range::Int { max, .. } => (max + 1).to_string(),
                Range::Share => "1.5".to_string(),
            };
            let argv = ["neardup", "scan", "x", &format!("--{name}={bad}")].map(String::from);
            let (_, command) = settings(&argv, "").unwrap();
            let Command::Scan(a) = command else {
                panic!("scan")
            };
            let by_cli = a
                .detect
                .scan_options()
                .map(|_| ())
                .map_err(SettingError::from)
                .and_then(|()| a.input.walk_options().map(|_| ()))
                .expect_err(name)
                .to_string();
            let by_file =
                match settings_file::parse(&format!("{name} = {bad}\n"), Path::new("n.toml")) {
                    Err(ConfigError::Invalid { error, .. }) => error.to_string(),
                    other => panic!("{name} = {bad}: {other:?}"),
                };
            assert_eq!(by_cli, by_file);
            assert_eq!(by_cli, format!("{name} must be {range}, got {bad}"));
        }
    }

    #[test]
    fn the_probe_lists_the_keys_as_written_in_the_file() {
        assert_eq!(keys_of::<IndexPath>(), ["index"]);
        assert_eq!(keys_of::<GlobalArgs>(), ["threads", "quiet"]);
        let input = keys_of::<InputArgs>();
        assert!(input.contains(&"no-ignore") && input.contains(&"include"));
        assert!(!input.contains(&"globs"), "skipped: {input:?}");
    }
}
