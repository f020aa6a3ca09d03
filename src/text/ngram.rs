//! Word n-grams over the filtered tokens, in scikit-learn's order (all n-grams of the
//! smallest size first, each size left to right).
//!
//! The analyzer writes the tokens of a document into one buffer separated by single
//! spaces; an n-gram is then just the slice from its first token's start to its last
//! token's end, so joining costs nothing and allocates nothing.
use super::TextError;

/// Calls `f` with each n-gram, `n` in `min..=max`, given token `spans` into `buf`
/// (consecutive tokens separated by exactly one space).
#[inline]
pub fn for_each_ngram(
    buf: &str,
    spans: &[(usize, usize)],
    (min, max): (usize, usize),
    mut f: impl FnMut(&str),
) {
    let len = spans.len();
    for n in min..=max.min(len) {
        for i in 0..=len - n {
            f(&buf[spans[i].0..spans[i + n - 1].1]);
        }
    }
}

/// Checks an n-gram range: `1 <= min <= max`.
pub fn check_ngram_range((min, max): (usize, usize)) -> Result<(), TextError> {
    if min == 0 || min > max {
        return Err(TextError::Invalid(format!(
            "invalid n-gram range ({min}, {max}): need 1 <= min <= max"
        )));
    }
    Ok(())
}

/// Parses `"1-2"` (or `"1,2"`, `"1..2"`, or a single `"2"` meaning `2-2`) into an
/// inclusive n-gram range.
pub fn parse_ngram_range(s: &str) -> Result<(usize, usize), TextError> {
    let t = s.trim();
    let parts: Vec<&str> = if let Some((a, b)) = t.split_once("..") {
        vec![a, b]
    } else {
        t.split(['-', ',', ':']).collect()
    };
    let num = |p: &str| {
        p.trim().parse::<usize>().map_err(|_| {
            TextError::Invalid(format!(
                "invalid n-gram range {s:?}: expected MIN-MAX with positive integers, e.g. 1-2"
            ))
        })
    };
    let range = match parts.as_slice() {
        [one] => {
            let n = num(one)?;
            (n, n)
        }
        [a, b] => (num(a)?, num(b)?),
        _ => {
            return Err(TextError::Invalid(format!(
                "invalid n-gram range {s:?}: expected MIN-MAX, e.g. 1-2"
            )))
        }
    };
    check_ngram_range(range).map_err(|e| TextError::Invalid(format!("{e} (from {s:?})")))?;
    Ok(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grams(range: (usize, usize)) -> Vec<String> {
        let buf = "a bb ccc ";
        let spans = [(0, 1), (2, 4), (5, 8)];
        let mut v = Vec::new();
        for_each_ngram(buf, &spans, range, |g| v.push(g.to_string()));
        v
    }

    #[test]
    fn orders_like_sklearn() {
        assert_eq!(grams((1, 1)), ["a", "bb", "ccc"]);
        assert_eq!(grams((1, 2)), ["a", "bb", "ccc", "a bb", "bb ccc"]);
        assert_eq!(grams((2, 3)), ["a bb", "bb ccc", "a bb ccc"]);
        assert_eq!(grams((4, 5)), Vec::<String>::new());
    }

    #[test]
    fn parse() {
        assert_eq!(parse_ngram_range("1-2").unwrap(), (1, 2));
        assert_eq!(parse_ngram_range(" 2 ").unwrap(), (2, 2));
        assert_eq!(parse_ngram_range("1,3").unwrap(), (1, 3));
        assert_eq!(parse_ngram_range("1..2").unwrap(), (1, 2));
        for bad in ["", "0-1", "3-2", "a-b", "1-2-3", "-1"] {
            let e = parse_ngram_range(bad).unwrap_err().to_string();
            assert!(e.contains("n-gram range"), "{bad}: {e}");
        }
    }
}
