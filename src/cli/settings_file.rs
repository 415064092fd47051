//! `neardup.toml`: settings read from a file, so a corpus can carry its own.
//!
//! The file is flat TOML; its keys are the long command-line options
//! (`min-words = 80`, `format = "json"`), plus `paths`, `include` and
//! `exclude`: the fields of the settings model's groups (`cli::settings`),
//! which the command line is made of too ([`keys`] lists them). Every key
//! is optional, an unknown key is an error, and so is a value of the wrong
//! type or outside an option's range. `examples/neardup.toml` documents
//! every key.
//!
//! [`discover`] finds the file for a directory: `neardup.toml` there or in a
//! parent, up to and including the repository root (the first directory
//! holding `.git`), or up to the filesystem root outside a repository.
//! [`load`] reads and checks it, and makes the paths it names (`paths`,
//! `boilerplate`, `output`, `index`, `baseline`) relative to the directory
//! holding the file. Globs (`include`, `exclude`) are left as written: like
//! `--glob`, they match paths relative to each scanned root.
//!
//! A setting given on the command line overrides the file, and the file
//! overrides the built-in default. List keys are the exception:
//! `include`/`exclude` and `boilerplate` add to the command line's `--glob`
//! and `--boilerplate`; `paths` is used only when no path is given.

use crate::cli::settings::{
    keys_of, DetectArgs, GlobalArgs, IndexPath, InputArgs, OutputArgs, SettingError,
};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The file [`discover`] looks for.
pub const FILE_NAME: &str = "neardup.toml";

/// The keys of the file that are no command-line option.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Corpus {
    /// Files and directories to scan when none is given on the command line.
    pub paths: Vec<PathBuf>,
}

/// Declares [`FileConfig`] from its sections, [`keys`] (every section's
/// keys) and how the sections are read: one list.
macro_rules! file_config {
    ($( $(#[$doc:meta])* $field:ident: $ty:ty, )*) => {
        /// The settings a `neardup.toml` holds, in the groups of the settings
        /// model (`cli::settings`). A field that is `None` (a flag `false`,
        /// an empty list) was not set in the file.
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct FileConfig {
            $( $(#[$doc])* pub $field: $ty, )*
        }

        impl FileConfig {
            /// Reads every section from the (already checked) table.
            fn from_table(
                table: &toml::Spanned<toml::de::DeTable<'_>>,
            ) -> Result<FileConfig, toml::de::Error> {
                Ok(FileConfig {
                    $( $field: <$ty>::deserialize(toml::de::Deserializer::from(table.clone()))?, )*
                })
            }
        }

        /// Every key a `neardup.toml` may hold, section by section.
        pub fn keys() -> &'static [&'static str] {
            static KEYS: OnceLock<Vec<&'static str>> = OnceLock::new();
            KEYS.get_or_init(|| [$( keys_of::<$ty>() ),*].concat())
        }
    };
}

file_config! {
    /// `paths`.
    corpus: Corpus,
    /// `threads`, `quiet`.
    global: GlobalArgs,
    /// What to read.
    input: InputArgs,
    /// How to compare.
    detect: DetectArgs,
    /// What to report.
    output: OutputArgs,
    /// `index`.
    index: IndexPath,
}

/// A configuration file that could not be used. The message starts with the
/// file's path (and `:LINE:COLUMN` when the problem is at a place in it).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: {error}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said (in the message, so not a `source` to print
        /// again).
        error: std::io::Error,
    },
    /// The file is not valid TOML, or a key is unknown, or a value has the
    /// wrong type or is not one of the allowed values.
    #[error("{}{}: {message}", .path.display(), fmt_position(.position))]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line and column of the problem, when known.
        position: Option<(usize, usize)>,
        /// What is wrong, e.g. ``unknown field `min-word`, expected one of
        /// ...`` or ``unknown variant `xml`, expected one of `text`, ...``.
        message: String,
    },
    /// A value is well formed but not allowed (out of range, a glob starting
    /// with `!`).
    #[error("{}: {error}", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the key (shown in the message, so not a
        /// `source` to print again).
        error: SettingError,
    },
}

fn fmt_position(p: &Option<(usize, usize)>) -> String {
    match p {
        Some((line, col)) => format!(":{line}:{col}"),
        None => String::new(),
    }
}

impl ConfigError {
    /// The configuration file this error is about.
    pub fn path(&self) -> &Path {
        match self {
            ConfigError::Read { path, .. }
            | ConfigError::Parse { path, .. }
            | ConfigError::Invalid { path, .. } => path,
        }
    }
}

/// Finds the `neardup.toml` that applies to `start` (a directory, or a file
/// whose directory is used): the one in `start` or the nearest parent. The
/// search stops after the repository root, the first directory (from
/// `start` up) holding a `.git` directory or file; outside a repository it
/// goes up to the filesystem root. `None` when there is none.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = start
        .canonicalize()
        .or_else(|_| std::path::absolute(start))
        .ok()?;
    let dir = if start.is_file() {
        start.parent()?
    } else {
        &start
    };
    for d in dir.ancestors() {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if d.join(".git").exists() {
            return None;
        }
    }
    None
}

/// Reads, parses and checks the configuration file at `path`, then makes its
/// relative paths relative to the directory holding it (see
/// [`FileConfig::resolve_paths`]).
pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let mut cfg = parse(&text, path)?;
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    cfg.resolve_paths(base);
    Ok(cfg)
}

/// Parses and checks configuration text; `path` is only used in errors.
/// Paths in the result are left as written.
pub fn parse(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
    let parse_error = |e: toml::de::Error, key: Option<&str>| {
        let message = e.message().trim_end();
        ConfigError::Parse {
            path: path.to_path_buf(),
            position: e.span().map(|s| line_col(text, s.start)),
            // Name the key unless the message does (``unknown field `x` ``).
            message: match key {
                Some(k) if !message.contains(&format!("`{k}`")) => format!("{k}: {message}"),
                _ => message.to_string(),
            },
        }
    };
    let table = toml::de::DeTable::parse(text).map_err(|e| parse_error(e, None))?;
    // A key no section reads, named as serde's `deny_unknown_fields` would
    // (the sections are read one by one, so none of them can deny it).
    if let Some((key, _)) = table
        .get_ref()
        .iter()
        .find(|(k, _)| !keys().contains(&k.get_ref().as_ref()))
    {
        return Err(ConfigError::Parse {
            path: path.to_path_buf(),
            position: Some(line_col(text, key.span().start)),
            message: <serde::de::value::Error as serde::de::Error>::unknown_field(
                key.get_ref(),
                keys(),
            )
            .to_string(),
        });
    }
    // Where each key's entry is, to name the key a value error is about.
    let entries: Vec<(String, std::ops::Range<usize>)> = table
        .get_ref()
        .iter()
        .map(|(k, v)| (k.get_ref().to_string(), k.span().start..v.span().end))
        .collect();
    let cfg = FileConfig::from_table(&table).map_err(|e| {
        let at = e.span().map(|s| s.start);
        let key = entries
            .iter()
            .find(|(_, r)| at.is_some_and(|at| r.contains(&at)))
            .map(|(k, _)| k.as_str());
        parse_error(e, key)
    })?;
    cfg.check().map_err(|error| ConfigError::Invalid {
        path: path.to_path_buf(),
        error,
    })?;
    Ok(cfg)
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

impl FileConfig {
    /// Makes every relative path the file names (`paths`, `boilerplate`,
    /// `output`, `index`, `baseline`) relative to `base`, the directory
    /// holding the file. [`load`] does this already.
    pub fn resolve_paths(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        self.corpus.paths.iter_mut().for_each(fix);
        self.detect.boilerplate.iter_mut().for_each(fix);
        self.output.output.iter_mut().for_each(fix);
        self.index.index.iter_mut().for_each(fix);
        self.output.baseline.iter_mut().for_each(fix);
    }

    /// Checks the values the file sets with the functions that check the
    /// command line's, so that a bad value is reported against the file even
    /// when the command line would have replaced it.
    fn check(&self) -> Result<(), SettingError> {
        self.detect.scan_options()?;
        self.input.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn parse_err(text: &str) -> String {
        parse(text, Path::new("conf/neardup.toml"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn discovers_in_start_dir_and_parents() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let deep = root.join("a/b/c");
        fs::create_dir_all(&deep).unwrap();
        fs::write(root.join("a").join(FILE_NAME), "").unwrap();
        assert_eq!(discover(&deep), Some(root.join("a").join(FILE_NAME)));
        // The nearest one wins; a file as start uses its directory.
        fs::write(deep.join(FILE_NAME), "").unwrap();
        assert_eq!(discover(&deep), Some(deep.join(FILE_NAME)));
        fs::write(deep.join("doc.txt"), "x").unwrap();
        assert_eq!(discover(&deep.join("doc.txt")), Some(deep.join(FILE_NAME)));
        // A directory named neardup.toml is not a config file.
        let other = root.join("x/y");
        fs::create_dir_all(other.join(FILE_NAME)).unwrap();
        fs::write(root.join("x").join(FILE_NAME), "").unwrap();
        assert_eq!(discover(&other), Some(root.join("x").join(FILE_NAME)));
    }

    #[test]
    fn discovery_stops_at_the_repository_root() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let repo = root.join("repo");
        let sub = repo.join("sub/dir");
        fs::create_dir_all(&sub).unwrap();
        fs::create_dir_all(repo.join(".git")).unwrap();
        fs::write(root.join(FILE_NAME), "").unwrap();
        assert_eq!(
            discover(&sub),
            None,
            "a file above the repository is not used"
        );
        // The repository root's own file is found.
        fs::write(repo.join(FILE_NAME), "").unwrap();
        assert_eq!(discover(&sub), Some(repo.join(FILE_NAME)));
        // A `.git` file (worktree, submodule) marks a root too.
        let wt = root.join("wt");
        fs::create_dir_all(wt.join("inner")).unwrap();
        fs::write(wt.join(".git"), "gitdir: elsewhere").unwrap();
        assert_eq!(discover(&wt.join("inner")), None);
        // Outside a repository the search goes past where `.git` would be.
        let plain = root.join("plain/deeper");
        fs::create_dir_all(&plain).unwrap();
        assert_eq!(discover(&plain), Some(root.join(FILE_NAME)));
    }

    #[test]
    fn unknown_key_names_the_key_file_and_line() {
        let e = parse_err("min-words = 80\nmin-word = 3\n");
        assert!(e.starts_with("conf/neardup.toml:2:1: "), "{e}");
        assert!(e.contains("unknown field `min-word`"), "{e}");
        assert!(e.contains("`min-words`"), "lists the known keys: {e}");
        // The snake_case spelling is not a key.
        let e = parse_err("min_words = 80\n");
        assert!(e.contains("unknown field `min_words`"), "{e}");
    }

    #[test]
    fn bad_enum_value_names_the_allowed_values() {
        let e = parse_err("\nformat = \"xml\"\n");
        assert!(e.starts_with("conf/neardup.toml:2:10: format: "), "{e}");
        assert!(e.contains("`xml`"), "{e}");
        for v in ["text", "json", "sarif", "github", "html"] {
            assert!(e.contains(&format!("`{v}`")), "{e}");
        }
        let e = parse_err("keep = \"last\"\n");
        assert!(e.contains("`first`") && e.contains("`longest`"), "{e}");
        let e = parse_err("fail-on = \"some\"\n");
        assert!(
            e.contains("`new`") && e.contains("`any`") && e.contains("`never`"),
            "{e}"
        );
        let e = parse_err("min-words = \"80\"\n");
        assert!(e.starts_with("conf/neardup.toml:1:13: min-words: "), "{e}");
        let e = parse_err("paths = [\n  \"a\",\n  3,\n]\n");
        assert!(e.starts_with("conf/neardup.toml:3:3: paths: "), "{e}");
        let e = parse_err("not toml at all");
        assert!(e.starts_with("conf/neardup.toml:1:"), "{e}");
        let e = parse_err("\nencoding = \"klingon\"\n");
        assert!(e.starts_with("conf/neardup.toml:2:12: encoding: "), "{e}");
        assert!(e.contains("unknown encoding \"klingon\""), "{e}");
    }

    #[test]
    fn out_of_range_values_are_errors_naming_the_key() {
        let e = parse_err("lsh-threshold = 1.5\n");
        assert!(
            e.contains("conf/neardup.toml") && e.contains("lsh-threshold"),
            "{e}"
        );
        let e = parse_err("shingle = 0\n");
        assert!(e.contains("shingle"), "{e}");
        let e = parse_err("exclude = [\"!*.md\"]\n");
        assert!(e.contains("exclude") && e.contains("!*.md"), "{e}");
        let e = parse_err("jsonl-text = \"\"\n");
        assert!(e.contains("jsonl-text"), "{e}");
        let e = parse_err("min-words = -1\n");
        assert!(e.contains("conf/neardup.toml:1:"), "{e}");
    }

    #[test]
    fn sizes() {
        let p = |t: &str| parse(t, Path::new("n.toml")).map(|c| c.input.max_filesize);
        assert_eq!(p("max-filesize = \"64M\"").unwrap(), Some(64 << 20));
        assert_eq!(p("max-filesize = 1000").unwrap(), Some(1000));
        assert_eq!(p("").unwrap(), None);
        let e = p("max-filesize = \"lots\"").unwrap_err().to_string();
        assert!(
            e.starts_with("n.toml:1:") && e.contains("not a size"),
            "{e}"
        );
        assert!(p("max-filesize = -5").is_err());
        assert!(p("max-filesize = 1.5").is_err());
    }

    #[test]
    fn relative_paths_are_resolved_against_the_files_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("proj");
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join(FILE_NAME);
        fs::write(
            &file,
            r#"
paths = ["corpus", "/abs/corpus"]
boilerplate = ["chrome.txt"]
output = "out/report.json"
index = ".neardup/index"
baseline = "baseline.json"
exclude = ["drafts/**"]
"#,
        )
        .unwrap();
        let c = load(&file).unwrap();
        assert_eq!(
            c.corpus.paths,
            [dir.join("corpus"), PathBuf::from("/abs/corpus")]
        );
        assert_eq!(c.detect.boilerplate, [dir.join("chrome.txt")]);
        assert_eq!(c.output.output, Some(dir.join("out/report.json")));
        assert_eq!(c.index.index, Some(dir.join(".neardup/index")));
        assert_eq!(c.output.baseline, Some(dir.join("baseline.json")));
        // Globs are not paths.
        assert_eq!(c.input.all_globs(), ["!drafts/**"]);
        // A bare file name is relative to the current directory.
        let mut c = parse("paths = [\"a\"]", Path::new(FILE_NAME)).unwrap();
        c.resolve_paths(Path::new("."));
        assert_eq!(c.corpus.paths, [Path::new("./a")]);
    }

    #[test]
    fn missing_file_is_an_error_naming_it() {
        let e = load(Path::new("/nonexistent/neardup.toml")).unwrap_err();
        assert_eq!(e.path(), Path::new("/nonexistent/neardup.toml"));
        assert!(
            e.to_string().starts_with("/nonexistent/neardup.toml: "),
            "{e}"
        );
    }

    #[test]
    fn walk_settings_and_command_line_globs_win() {
        let c = parse(
            "include = [\"*.txt\"]\nexclude = [\"b*\"]\nhidden = true\nmax-filesize = \"1K\"\n\
             encoding = \"latin1\"",
            Path::new("n.toml"),
        )
        .unwrap();
        // Command-line globs go after the file's and so override them.
        let cli = InputArgs {
            globs: vec!["!a.txt".to_string(), "b2.txt".to_string()],
            ..Default::default()
        };
        let walk = cli
            .merge(c.input, &crate::cli::settings::Given::default())
            .walk_options()
            .unwrap();
        assert!(walk.hidden && !walk.no_ignore);
        assert_eq!(walk.max_filesize, 1024);
        assert_eq!(walk.encoding.map(|e| e.name()), Some("windows-1252"));
        assert_eq!(walk.globs, ["*.txt", "!b*", "!a.txt", "b2.txt"]);
        let tmp = tempfile::tempdir().unwrap();
        for f in ["a.txt", "b1.txt", "b2.txt", "c.txt", "d.md"] {
            fs::write(tmp.path().join(f), "some words").unwrap();
        }
        let inputs = crate::input::read_inputs(&[tmp.path().to_path_buf()], &walk).unwrap();
        let names: Vec<&str> = inputs
            .docs
            .iter()
            .map(|d| d.path.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(names, ["b2.txt", "c.txt"]);
    }

    #[test]
    fn empty_file_sets_nothing() {
        let c = parse("# nothing\n", Path::new("n.toml")).unwrap();
        assert_eq!(c, FileConfig::default());
        let o = c.detect.scan_options().unwrap();
        assert_eq!(
            format!("{o:?}"),
            format!("{:?}", crate::config::ScanOptions::default())
        );
    }

    #[test]
    fn a_full_file_parses() {
        let c = parse(
            r#"
paths = ["corpus"]
exclude = ["*.md"]
include = ["*.txt", "*.jsonl"]
hidden = true
no-ignore = true
max-filesize = "64M"
min-words = 80
shingle = 6
window = 10
num-perm = 256
lsh-threshold = 0.6
near-threshold = 0.9
min-similarity = 0.7
max-gap = 20
boilerplate = ["chrome.txt"]
boilerplate-df = 25
keep = "longest"
cluster-partial = true
format = "sarif"
output = "report.sarif"
color = "never"
index = "corpus.ndx"
baseline = "baseline.json"
fail-on = "any"
jsonl = true
jsonl-text = "body"
jsonl-id = "url"
threads = 4
quiet = true
"#,
            Path::new("n.toml"),
        )
        .unwrap();
        use crate::cli::settings::{Color, FailOn};
        use crate::cluster::KeepPolicy;
        assert_eq!(c.input.all_globs(), ["*.txt", "*.jsonl", "!*.md"]);
        assert_eq!(c.input.max_filesize, Some(64 << 20));
        assert_eq!(c.output.format, Some(crate::report::Format::Sarif));
        assert_eq!(c.output.fail_on, Some(FailOn::Any));
        assert_eq!(c.output.color, Some(Color::Never));
        assert_eq!(c.detect.keep, Some(KeepPolicy::Longest));
        assert_eq!(c.input.jsonl_text.as_deref(), Some("body"));
        assert_eq!(c.input.jsonl_id(), "url");
        assert_eq!(c.global.threads, Some(4));
        assert!(c.global.quiet);
        let o = c.detect.scan_options().unwrap();
        assert_eq!(o.align.min_words, 80);
        assert_eq!(o.align.k, 6);
        assert_eq!(o.align.window, 10);
        assert_eq!(o.align.near_coverage, 0.9);
        assert_eq!(o.align.min_similarity, 0.7);
        assert_eq!(o.align.max_gap, 20);
        assert_eq!(o.num_perm, 256);
        assert_eq!(o.lsh_threshold, 0.6);
        assert_eq!(o.df_threshold, Some(25));
        assert_eq!(o.keep, KeepPolicy::Longest);
        assert!(o.cluster_partial);
    }

    #[test]
    fn the_documented_example_loads_and_documents_every_key() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/neardup.toml");
        let c = load(&path).unwrap_or_else(|e| panic!("{e}"));
        // As shipped it only names the example corpus, so running neardup in
        // examples/ behaves as documented in the README.
        let dir = path.parent().unwrap();
        assert_eq!(c.corpus.paths, [dir.join("corpus")]);
        assert!(dir.join("corpus").is_dir());
        assert_eq!(
            FileConfig {
                corpus: Corpus::default(),
                ..c
            },
            FileConfig::default()
        );
        // Every other key is there commented out as `# key = value`: with
        // those lines uncommented it still loads, and sets every key.
        let text = fs::read_to_string(&path).unwrap();
        let uncommented: String = text
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest) if is_key_line(rest) => rest,
                _ => l,
            })
            .flat_map(|l| [l, "\n"])
            .collect();
        parse(&uncommented, &path).unwrap_or_else(|e| panic!("{e}"));
        let table: toml::Table = toml::from_str(&uncommented).unwrap();
        let mut keys: Vec<&str> = table.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut expected = super::keys().to_vec();
        expected.sort_unstable();
        assert_eq!(keys, expected);
    }

    fn is_key_line(l: &str) -> bool {
        l.split_once(" = ").is_some_and(|(k, _)| {
            !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        })
    }

    #[test]
    fn keys_are_every_sections_and_each_is_known() {
        let keys = keys();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[..i].contains(k), "{k} in two sections");
        }
        for k in [
            "paths",
            "include",
            "exclude",
            "min-words",
            "cluster-partial",
            "index",
        ] {
            assert!(keys.contains(&k), "{k}: {keys:?}");
        }
        // Each key alone parses (with a value of its type), and an unknown
        // one is refused listing them all.
        for key in keys {
            let value = match *key {
                "paths" | "exclude" | "include" | "boilerplate" => "[]",
                "hidden" | "no-ignore" | "jsonl" | "cluster-partial" | "quiet" => "true",
                "lsh-threshold" | "near-threshold" | "min-similarity" => "0.5",
                "keep" => "\"first\"",
                "format" => "\"json\"",
                "fail-on" => "\"new\"",
                "color" => "\"never\"",
                "output" | "index" | "baseline" | "jsonl-text" | "jsonl-id" => "\"x\"",
                "encoding" => "\"latin1\"",
                _ => "10",
            };
            parse(&format!("{key} = {value}"), Path::new("n.toml"))
                .unwrap_or_else(|e| panic!("{key}: {e}"));
        }
        let e = parse_err("no-such-key = 1\n");
        for k in keys {
            assert!(e.contains(&format!("`{k}`")), "{k}: {e}");
        }
    }
}
