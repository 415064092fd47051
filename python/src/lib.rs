//! `neardup._neardup`: the engine's steps ([`neardup::api`]) for Python.
//!
//! Every function copies its arguments out of Python objects, releases the
//! GIL while the engine works (`Python::detach`), and turns refusals into
//! Python exceptions (`ValueError` for a bad option value, naming the
//! option; `TypeError` for an unknown option or a value of the wrong type).
//! Hashes cross as signed 64-bit integers (the bits of the engine's `u64`),
//! so that they fit Arrow `int64` and Spark `LongType`.
#![deny(missing_docs)]

use neardup::api::{self, ChromeSet, OptionError, OptionValue, PairSide, Verdict};
use neardup::ScanOptions;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::sync::Arc;

fn to_u64(v: Vec<i64>) -> Vec<u64> {
    v.into_iter().map(|h| h as u64).collect()
}

fn sorted_u64(v: Vec<i64>) -> Vec<u64> {
    let mut v = to_u64(v);
    v.sort_unstable();
    v
}

fn to_i64(v: &[u64]) -> Vec<i64> {
    v.iter().map(|&h| h as i64).collect()
}

fn option_error(e: OptionError) -> PyErr {
    match e {
        OptionError::Value(m) => PyValueError::new_err(m),
        other => PyTypeError::new_err(other.to_string()),
    }
}

/// One option value from Python, by its type.
fn option_value(name: &str, v: &Bound<'_, PyAny>) -> PyResult<OptionValue> {
    if v.is_instance_of::<PyBool>() {
        return Ok(OptionValue::Bool(v.extract()?));
    }
    if v.is_instance_of::<PyInt>() {
        return Ok(OptionValue::Int(v.extract()?));
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(OptionValue::Float(v.extract()?));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(OptionValue::Str(v.extract()?));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        if let Ok(texts) = v.extract::<Vec<String>>() {
            return Ok(OptionValue::Texts(texts));
        }
    }
    Err(PyTypeError::new_err(format!(
        "{}: unsupported value {}",
        name.replace('_', "-"),
        v.repr()?
    )))
}

/// Validated scan options (the command line's, by their Python names:
/// `min_words`, `near_threshold`, ...). `None` leaves an option at its
/// default.
#[pyclass(frozen, module = "neardup._neardup")]
struct Options {
    inner: Arc<ScanOptions>,
}

#[pymethods]
impl Options {
    #[new]
    #[pyo3(signature = (options=None))]
    fn new(options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let mut pairs = Vec::new();
        if let Some(d) = options {
            for (k, v) in d.iter() {
                let name: String = k
                    .extract()
                    .map_err(|_| PyTypeError::new_err("option names are strings"))?;
                if v.is_none() {
                    // The default; refuse an unknown name all the same.
                    if !api::OPTIONS.iter().any(|o| o.0 == name.replace('_', "-")) {
                        return Err(option_error(OptionError::Unknown {
                            name,
                            known: api::OPTIONS.map(|o| o.0).join(", "),
                        }));
                    }
                    continue;
                }
                pairs.push((name.clone(), option_value(&name, &v)?));
            }
        }
        let inner = api::options(pairs).map_err(option_error)?;
        Ok(Options {
            inner: Arc::new(inner),
        })
    }

    /// Non-chrome fingerprints two documents must share to be a candidate.
    #[getter]
    fn min_shared(&self) -> usize {
        self.inner.min_shared
    }

    /// Whether partial pairs join clusters.
    #[getter]
    fn cluster_partial(&self) -> bool {
        self.inner.cluster_partial
    }

    /// `"first"` or `"longest"`.
    #[getter]
    fn keep(&self) -> &'static str {
        match self.inner.keep {
            neardup::cluster::KeepPolicy::First => "first",
            neardup::cluster::KeepPolicy::Longest => "longest",
        }
    }

    /// Fingerprint buckets up to this size emit every pair, larger ones a chain.
    #[getter]
    fn max_full_bucket(&self) -> usize {
        neardup::candidates::MAX_FULL_BUCKET
    }

    /// Band buckets up to this size emit every pair, larger ones a chain.
    #[getter]
    fn max_full_band_bucket(&self) -> usize {
        neardup::candidates::MAX_FULL_BAND_BUCKET
    }

    /// `(df, universal_df)`: the chrome thresholds of a corpus of `n` documents.
    fn thresholds(&self, n: usize) -> (u32, u32) {
        api::thresholds(n, &self.inner)
    }
}

/// The JSON report (`neardup scan --format json`) of `texts` named by `ids`.
#[pyfunction]
fn scan(
    py: Python<'_>,
    texts: Vec<String>,
    ids: Vec<String>,
    options: &Options,
) -> PyResult<String> {
    let opts = options.inner.clone();
    py.detach(move || api::scan_texts(texts, ids, &opts))
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

type SketchTuple = (
    Vec<i64>,
    Vec<i64>,
    Vec<i64>,
    Vec<i64>,
    Vec<u32>,
    u32,
    u32,
    i64,
    usize,
);

fn sketch_tuple(s: api::Sketch) -> SketchTuple {
    (
        to_i64(&s.band_keys),
        to_i64(&s.fingerprints),
        to_i64(&s.repeated),
        to_i64(&s.sequence_hashes),
        s.sequence_positions,
        s.words,
        s.header_words,
        s.content_hash as i64,
        s.bytes,
    )
}

/// The sketch of one text: `(band_keys, fingerprints, repeated,
/// sequence_hashes, sequence_positions, words, header_words, content_hash,
/// bytes)`.
#[pyfunction]
fn sketch(py: Python<'_>, text: String, options: &Options) -> SketchTuple {
    let opts = options.inner.clone();
    py.detach(move || sketch_tuple(api::sketch(&text, &opts)))
}

/// [`sketch`] of many texts, in order.
#[pyfunction]
fn sketch_many(py: Python<'_>, texts: Vec<String>, options: &Options) -> Vec<SketchTuple> {
    let opts = options.inner.clone();
    py.detach(move || {
        texts
            .iter()
            .map(|t| sketch_tuple(api::sketch(t, &opts)))
            .collect()
    })
}

fn chrome_set(chrome: Vec<i64>, universal: Vec<i64>) -> ChromeSet {
    chrome_set_paired(chrome, universal, Vec::new())
}

fn chrome_set_paired(chrome: Vec<i64>, universal: Vec<i64>, paired: Vec<i64>) -> ChromeSet {
    ChromeSet {
        chrome: to_u64(chrome),
        universal: to_u64(universal),
        paired: to_u64(paired),
    }
}

/// A document's content fingerprints (those that may propose pairs), sorted
/// as unsigned.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn content_fingerprints(
    py: Python<'_>,
    sequence_hashes: Vec<i64>,
    sequence_positions: Vec<u32>,
    repeated: Vec<i64>,
    header_words: u32,
    chrome: Vec<i64>,
    universal: Vec<i64>,
    options: &Options,
) -> PyResult<Vec<i64>> {
    if sequence_hashes.len() != sequence_positions.len() {
        return Err(PyValueError::new_err(
            "sequence_hashes and sequence_positions differ in length",
        ));
    }
    let opts = options.inner.clone();
    Ok(py.detach(move || {
        let sk = api::Sketch {
            sequence_hashes: to_u64(sequence_hashes),
            sequence_positions,
            repeated: sorted_u64(repeated),
            header_words,
            ..api::Sketch::default()
        };
        to_i64(&api::content_fingerprints(
            &sk,
            &chrome_set(chrome, universal),
            &opts,
        ))
    }))
}

/// A document's stretches of frequent text: `[(start_word, end_word,
/// hashes)]`, in position order.
#[pyfunction]
fn frequent_stretches(
    py: Python<'_>,
    sequence_hashes: Vec<i64>,
    sequence_positions: Vec<u32>,
    frequent: Vec<i64>,
    options: &Options,
) -> PyResult<Vec<(u32, u32, Vec<i64>)>> {
    if sequence_hashes.len() != sequence_positions.len() {
        return Err(PyValueError::new_err(
            "sequence_hashes and sequence_positions differ in length",
        ));
    }
    let opts = options.inner.clone();
    Ok(py.detach(move || {
        let sk = api::Sketch {
            sequence_hashes: to_u64(sequence_hashes),
            sequence_positions,
            ..api::Sketch::default()
        };
        api::frequent_stretches(&sk, &to_u64(frequent), &opts)
            .into_iter()
            .map(|s| (s.start, s.end, to_i64(&s.hashes)))
            .collect()
    }))
}

/// Whether a pair proposed by a band key only is verified (the scan's rule).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn keep_signature_pair(
    py: Python<'_>,
    fingerprints_a: Vec<i64>,
    content_a: Vec<i64>,
    fingerprints_b: Vec<i64>,
    content_b: Vec<i64>,
    chrome: Vec<i64>,
    universal: Vec<i64>,
    options: &Options,
) -> bool {
    let opts = options.inner.clone();
    py.detach(move || {
        let (fa, ca) = (sorted_u64(fingerprints_a), sorted_u64(content_a));
        let (fb, cb) = (sorted_u64(fingerprints_b), sorted_u64(content_b));
        api::keep_signature_pair(
            PairSide {
                fingerprints: &fa,
                content: &ca,
            },
            PairSide {
                fingerprints: &fb,
                content: &cb,
            },
            &chrome_set(chrome, universal),
            &opts,
        )
    })
}

/// Verifies a pair (`a` first by id): `(2, pair_json)` when flagged, `(1,
/// None)` when it shares boilerplate only, `(0, None)` when nothing.
/// `paired`: the chrome that exactly two documents each repeat (not
/// frequent).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn verify(
    py: Python<'_>,
    id_a: String,
    text_a: String,
    id_b: String,
    text_b: String,
    chrome: Vec<i64>,
    universal: Vec<i64>,
    paired: Vec<i64>,
    options: &Options,
) -> (u8, Option<String>) {
    let opts = options.inner.clone();
    py.detach(move || {
        match api::verify(
            (&id_a, &text_a),
            (&id_b, &text_b),
            &chrome_set_paired(chrome, universal, paired),
            &opts,
        ) {
            Verdict::Flagged(p) => (
                2,
                Some(serde_json::to_string(&p).expect("a pair serializes")),
            ),
            Verdict::BoilerplateOnly => (1, None),
            Verdict::Nothing => (0, None),
        }
    })
}

/// Places of shared passages in one text: for each word range `(start,
/// end)`, `(start_byte, end_byte, line_start, col_start, line_end,
/// col_end, excerpt)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn passage_places(
    py: Python<'_>,
    text: String,
    ranges: Vec<(u32, u32)>,
) -> Vec<(usize, usize, usize, usize, usize, usize, String)> {
    py.detach(move || {
        api::passage_places(&text, &ranges)
            .into_iter()
            .map(|p| {
                let a = p.at;
                (
                    a.start,
                    a.end,
                    a.line_start,
                    a.col_start,
                    a.line_end,
                    a.col_end,
                    p.excerpt,
                )
            })
            .collect()
    })
}

/// Shared passages being founded, stretch by stretch in document-id then
/// position order (the scan's grouping rule).
#[pyclass(module = "neardup._neardup")]
struct PassageGroups {
    inner: api::PassageGroups,
}

#[pymethods]
impl PassageGroups {
    /// Passages founded by these first stretches' hash sets, in order.
    #[new]
    #[pyo3(signature = (founders=Vec::new()))]
    fn new(founders: Vec<Vec<i64>>) -> Self {
        let mut inner = api::PassageGroups::new();
        for f in founders {
            inner.found(&dedup_u64(f));
        }
        PassageGroups { inner }
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// The passage among the first `before` that a stretch with these
    /// hashes joins, or `None` (it founds one).
    #[pyo3(signature = (hashes, before=None))]
    fn best(&self, hashes: Vec<i64>, before: Option<usize>) -> Option<u32> {
        self.inner
            .best(&dedup_u64(hashes), before.unwrap_or(self.inner.len()))
    }

    /// Places the next stretch: `(passage, founded)`.
    fn place(&mut self, hashes: Vec<i64>) -> (u32, bool) {
        self.inner.place(&dedup_u64(hashes))
    }
}

fn dedup_u64(v: Vec<i64>) -> Vec<u64> {
    let mut v = sorted_u64(v);
    v.dedup();
    v
}

/// The engine for Python.
#[pymodule]
fn _neardup(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Options>()?;
    m.add_class::<PassageGroups>()?;
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_function(wrap_pyfunction!(sketch, m)?)?;
    m.add_function(wrap_pyfunction!(sketch_many, m)?)?;
    m.add_function(wrap_pyfunction!(content_fingerprints, m)?)?;
    m.add_function(wrap_pyfunction!(frequent_stretches, m)?)?;
    m.add_function(wrap_pyfunction!(keep_signature_pair, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(passage_places, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
