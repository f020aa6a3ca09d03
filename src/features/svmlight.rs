//! Reads svmlight/libsvm files (as written by scikit-learn) so models can be compared with
//! scikit-learn on identical features.
//!
//! Format, one document a line: `label idx:value idx:value ... [# comment]`, with zero-based
//! feature indices (scikit-learn's `dump_svmlight_file(..., zero_based=True)`), optional
//! `qid:N` (ignored), blank and `#` comment lines skipped. Labels must be non-negative
//! integers (written as `3` or `3.0`); they become class indices as they are.
// `!(x > 0.0)` in the parameter checks is deliberate: it rejects NaN too.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::{Csr, SparseRecords};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Why an svmlight file could not be read; parse errors name the file and line.
#[derive(Debug, thiserror::Error)]
pub enum SvmlightError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A line does not follow the format.
    #[error("{path}:{line}: {msg}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        msg: String,
    },
}

/// Reads a zero-based svmlight file into a CSR matrix and class labels.
///
/// `n_features` fixes the width (use the training file's width for a test file, whose
/// highest feature may be absent); `None` takes the largest index + 1. An index at or past
/// a given width is an error, not silently dropped.
pub fn read_svmlight(
    path: &Path,
    n_features: Option<usize>,
) -> Result<(SparseRecords, Vec<usize>), SvmlightError> {
    let file = std::fs::File::open(path).map_err(|source| SvmlightError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_svmlight(std::io::BufReader::new(file), path, n_features)
}

/// Parses svmlight text from any reader; `path` is only used in error messages.
pub fn parse_svmlight<R: BufRead>(
    reader: R,
    path: &Path,
    n_features: Option<usize>,
) -> Result<(SparseRecords, Vec<usize>), SvmlightError> {
    let mut indptr = vec![0usize];
    let mut indices: Vec<u32> = Vec::new();
    let mut data: Vec<f32> = Vec::new();
    let mut labels = Vec::new();
    let mut max_col: Option<usize> = None;
    let mut row: Vec<(u32, f32)> = Vec::new();
    for (ln, line) in reader.lines().enumerate() {
        let line_no = ln + 1;
        let err = |msg: String| SvmlightError::Parse {
            path: path.to_owned(),
            line: line_no,
            msg,
        };
        let line = line.map_err(|source| SvmlightError::Io {
            path: path.to_owned(),
            source,
        })?;
        let content = line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let mut tokens = content.split_ascii_whitespace();
        let lab = tokens.next().unwrap_or("");
        let lv: f64 = lab
            .parse()
            .map_err(|_| err(format!("label '{lab}' is not a number")))?;
        if !(lv >= 0.0) || lv.fract() != 0.0 || lv > u32::MAX as f64 {
            return Err(err(format!(
                "label '{lab}' is not a non-negative integer class index"
            )));
        }
        labels.push(lv as usize);
        row.clear();
        for tok in tokens {
            let (k, v) = tok
                .split_once(':')
                .ok_or_else(|| err(format!("'{tok}' is not index:value")))?;
            if k == "qid" {
                continue;
            }
            let j: u32 = k
                .parse()
                .map_err(|_| err(format!("feature index '{k}' is not a non-negative integer")))?;
            let val: f32 = v
                .parse()
                .map_err(|_| err(format!("value '{v}' of feature {j} is not a number")))?;
            if !val.is_finite() {
                return Err(err(format!("value of feature {j} is not finite")));
            }
            if let Some(nf) = n_features {
                if j as usize >= nf {
                    return Err(err(format!(
                        "feature index {j} is out of range for {nf} features"
                    )));
                }
            }
            row.push((j, val));
        }
        row.sort_unstable_by_key(|&(j, _)| j);
        if let Some(w) = row.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(err(format!("feature index {} appears twice", w[0].0)));
        }
        if let Some(&(j, _)) = row.last() {
            max_col = Some(max_col.map_or(j as usize, |m: usize| m.max(j as usize)));
        }
        for &(j, v) in &row {
            indices.push(j);
            data.push(v);
        }
        indptr.push(indices.len());
    }
    let cols = n_features.unwrap_or_else(|| max_col.map_or(0, |m| m + 1));
    let m = Csr::new((labels.len(), cols), indptr, indices, data);
    Ok((SparseRecords(m), labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str, nf: Option<usize>) -> Result<(SparseRecords, Vec<usize>), SvmlightError> {
        parse_svmlight(s.as_bytes(), Path::new("t.svm"), nf)
    }

    #[test]
    fn reads_sklearn_style_lines() {
        let (x, y) = parse(
            "# header\n1 0:0.5 3:1.25\n0 2:2\n\n2.0 qid:4 1:-1 # c\n3\n",
            None,
        )
        .unwrap();
        assert_eq!(y, vec![1, 0, 2, 3]);
        assert_eq!(x.0.shape(), (4, 4));
        let d = x.0.to_dense();
        assert_eq!(d[[0, 0]], 0.5);
        assert_eq!(d[[0, 3]], 1.25);
        assert_eq!(d[[1, 2]], 2.0);
        assert_eq!(d[[2, 1]], -1.0);
        assert_eq!(x.0.nnz(), 4);
    }

    #[test]
    fn fixed_width_and_unsorted_indices() {
        let (x, _) = parse("0 5:1 1:2\n", Some(10)).unwrap();
        assert_eq!(x.0.shape(), (1, 10));
        assert_eq!(x.0.indices(), &[1, 5]);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("0 1:1\n1 2:x\n", None).unwrap_err().to_string();
        assert!(e.contains("t.svm:2") && e.contains("'x'"), "{e}");
        let e = parse("-1 1:1\n", None).unwrap_err().to_string();
        assert!(e.contains("t.svm:1"), "{e}");
        let e = parse("0 1:1 1:2\n", None).unwrap_err().to_string();
        assert!(e.contains("twice"), "{e}");
        let e = parse("0 12:1\n", Some(10)).unwrap_err().to_string();
        assert!(e.contains("out of range"), "{e}");
        assert!(parse("0 nocolon\n", None).is_err());
    }
}
